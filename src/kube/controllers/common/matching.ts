/**
 * Matching rules shared by the scheduler and the controllers: tolerations against taints, label
 * selectors against labels, node selector requirements against a node's label or name.
 */
import { keyOf, type KubeObject, type SharedInformer, type V1LabelSelector, type V1NodeSelectorRequirement, type V1OwnerReference, type V1Taint, type V1Toleration } from '../../client/index.js';

/** Kubernetes' Toleration.ToleratesTaint. */
export function tolerates(tol: V1Toleration, taint: V1Taint): boolean {
  if (tol.effect !== undefined && tol.effect !== '' && tol.effect !== taint.effect) return false;
  if (tol.key !== undefined && tol.key !== '' && tol.key !== taint.key) return false;
  if (tol.operator === 'Exists') return true;
  // Equal (the default); validation only allows an empty key with Exists
  if (tol.key === undefined || tol.key === '') return false;
  return (tol.value ?? '') === (taint.value ?? '');
}

/** metav1.LabelSelectorAsSelector + Matches. An undefined selector matches nothing, {} everything. */
export function labelSelectorMatches(sel: V1LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (sel === undefined) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const v = Object.hasOwn(l, e.key) ? l[e.key] : undefined;
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (v === undefined || !values.includes(v)) return false;
        break;
      case 'NotIn':
        if (v !== undefined && values.includes(v)) return false;
        break;
      case 'Exists':
        if (v === undefined) return false;
        break;
      case 'DoesNotExist':
        if (v !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A NodeSelectorRequirement against a node's label value (or name, for matchFields); undefined = absent. */
export function nodeRequirementMatches(req: V1NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value)) return false;
      const have = Number.parseInt(value, 10);
      const want = Number.parseInt(values[0] ?? '', 10);
      if (!Number.isFinite(have) || !Number.isFinite(want)) return false;
      return req.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** The `namespace/name` key of an object's controller owner of `kind`, if it has one. */
export function controllerKey(obj: { metadata?: { namespace?: string; ownerReferences?: V1OwnerReference[] } }, kind: string): string | undefined {
  const ref = controllerRefOf(obj, kind);
  return ref === undefined ? undefined : keyOf(obj.metadata?.namespace, ref.name);
}

function controllerRefOf(obj: { metadata?: { ownerReferences?: V1OwnerReference[] } }, kind: string): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true && r.kind === kind);
}

/** Adds (once) an index `name` of the informer's objects by the uid of their controller ownerReference of `kind`. */
export function indexByControllerUid<T extends KubeObject>(inf: SharedInformer<T>, name: string, kind: string): void {
  if (inf.hasIndex(name)) return;
  inf.addIndex(name, (o) => {
    const ref = controllerRefOf(o, kind);
    return ref === undefined ? [] : [ref.uid];
  });
}
