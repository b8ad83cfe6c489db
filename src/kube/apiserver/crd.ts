import { isJsonObject, type JsonObject } from '../../base/index.js';
import type { Logger } from '../../platform/log/index.js';
import { deleteObject } from './deletion.js';
import { copyTop, deletionTimestampOf, finalizersOf, metaOf, nameOf, namespaceOf, rfc3339 } from './meta.js';
import type { ObjectService } from './objects.js';
import type { PrinterColumn, ResourceInfo, Subresource } from './resources.js';
import { resourcePrefix } from './resources.js';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** The served resources one CRD defines (one per served version). */
export function resourcesOfCrd(crd: Readonly<JsonObject>): ResourceInfo[] {
  const name = nameOf(crd) ?? '';
  const spec = isJsonObject(crd['spec']) ? crd['spec'] : undefined;
  if (spec === undefined) return [];
  const names = isJsonObject(spec['names']) ? spec['names'] : {};
  const group = typeof spec['group'] === 'string' ? spec['group'] : '';
  const kind = typeof names['kind'] === 'string' ? names['kind'] : '';
  const plural = typeof names['plural'] === 'string' ? names['plural'] : '';
  if (group === '' || kind === '' || plural === '') return [];
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const versions = Array.isArray(spec['versions']) ? spec['versions'] : [];
  const out: ResourceInfo[] = [];
  for (const v of versions) {
    if (!isJsonObject(v) || v['served'] === false || typeof v['name'] !== 'string') continue;
    const subs = isJsonObject(v['subresources']) ? v['subresources'] : {};
    const subresources: Subresource[] = [];
    if (subs['status'] !== undefined) subresources.push('status');
    const scale = isJsonObject(subs['scale']) ? subs['scale'] : undefined;
    if (scale !== undefined) subresources.push('scale');
    const schemaHolder = isJsonObject(v['schema']) ? v['schema'] : {};
    const schema = isJsonObject(schemaHolder['openAPIV3Schema']) ? schemaHolder['openAPIV3Schema'] : undefined;
    const columns: PrinterColumn[] = [];
    if (Array.isArray(v['additionalPrinterColumns'])) {
      for (const c of v['additionalPrinterColumns']) {
        if (!isJsonObject(c) || typeof c['name'] !== 'string' || typeof c['jsonPath'] !== 'string') continue;
        columns.push({
          name: c['name'],
          type: typeof c['type'] === 'string' ? c['type'] : 'string',
          jsonPath: c['jsonPath'],
          ...(typeof c['description'] === 'string' ? { description: c['description'] } : {}),
          ...(typeof c['priority'] === 'number' ? { priority: c['priority'] } : {}),
          ...(typeof c['format'] === 'string' ? { format: c['format'] } : {}),
        });
      }
    }
    out.push({
      group,
      version: v['name'],
      kind,
      listKind: typeof names['listKind'] === 'string' ? names['listKind'] : `${kind}List`,
      plural,
      singular: typeof names['singular'] === 'string' ? names['singular'] : kind.toLowerCase(),
      namespaced: spec['scope'] !== 'Cluster',
      shortNames: strings(names['shortNames']),
      categories: strings(names['categories']),
      subresources,
      custom: {
        crdName: name,
        schema,
        printerColumns: columns,
        ...(scale !== undefined && typeof scale['specReplicasPath'] === 'string' && typeof scale['statusReplicasPath'] === 'string'
          ? {
              scale: {
                specReplicasPath: scale['specReplicasPath'],
                statusReplicasPath: scale['statusReplicasPath'],
                ...(typeof scale['labelSelectorPath'] === 'string' ? { labelSelectorPath: scale['labelSelectorPath'] } : {}),
              },
            }
          : {}),
      },
    });
  }
  return out;
}

/**
 * Serves custom resources as CRDs come and go: registers their resources, marks CRDs
 * Established, and on CRD deletion removes every custom resource before letting the CRD go.
 */
export class CrdController {
  private readonly pending = new Set<string>();
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly svc: ObjectService,
    private readonly crdRes: ResourceInfo,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (const e of this.svc.entries(this.crdRes)) {
      const name = nameOf(e.value) ?? '';
      this.svc.registry.setCustom(name, resourcesOfCrd(e.value));
      this.enqueue(name);
    }
    this.svc.onWrite((res, prev, next) => {
      if (res.group !== this.crdRes.group || res.plural !== this.crdRes.plural) return;
      const name = nameOf(next ?? prev ?? {}) ?? '';
      if (next === undefined) this.svc.registry.removeCustom(name);
      else this.svc.registry.setCustom(name, resourcesOfCrd(next));
      if (next !== undefined) this.enqueue(name);
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private enqueue(name: string): void {
    if (this.stopped) return;
    this.pending.add(name);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const names = [...this.pending];
      this.pending.clear();
      for (const n of names) {
        try {
          this.reconcile(n);
        } catch (err) {
          this.log.warn({ crd: n, err }, 'crd reconcile failed');
          setTimeout(() => this.enqueue(n), 500).unref();
        }
      }
    });
  }

  private reconcile(name: string): void {
    const entry = this.svc.store.get(this.svc.key(this.crdRes, undefined, name));
    if (entry === undefined) return;
    const crd = entry.value;
    if (deletionTimestampOf(crd) !== undefined) {
      // every custom resource goes first, through the normal delete (their finalizers are honoured)
      const spec = isJsonObject(crd['spec']) ? crd['spec'] : {};
      const names = isJsonObject(spec['names']) ? spec['names'] : {};
      const prefix = resourcePrefix({ group: String(spec['group'] ?? ''), plural: String(names['plural'] ?? '') });
      const served = resourcesOfCrd(crd)[0];
      const left = this.svc.store.list(prefix).entries;
      if (left.length > 0) {
        for (const e of left) {
          if (deletionTimestampOf(e.value) !== undefined) continue;
          if (served === undefined) this.svc.store.delete(e.key);
          else deleteObject(this.svc, served, namespaceOf(e.value), nameOf(e.value) ?? '', { propagationPolicy: 'Background' });
        }
        setTimeout(() => this.enqueue(name), 500).unref();
        return;
      }
      const next = copyTop(crd);
      metaOf(next)['finalizers'] = finalizersOf(crd).filter((f) => f !== CRD_CLEANUP_FINALIZER);
      this.svc.writeRaw(this.crdRes, entry, next);
      return;
    }
    const spec = isJsonObject(crd['spec']) ? crd['spec'] : {};
    const status = isJsonObject(crd['status']) ? crd['status'] : {};
    const conditions: unknown[] = Array.isArray(status['conditions']) ? status['conditions'] : [];
    const established = conditions.some((c) => isJsonObject(c) && c['type'] === 'Established' && c['status'] === 'True');
    const hasFinalizer = finalizersOf(crd).includes(CRD_CLEANUP_FINALIZER);
    if (established && hasFinalizer) return;
    const now = rfc3339(this.svc.now());
    const next = copyTop(crd);
    metaOf(next)['finalizers'] = [...finalizersOf(crd).filter((f) => f !== CRD_CLEANUP_FINALIZER), CRD_CLEANUP_FINALIZER];
    const versions: unknown[] = Array.isArray(spec['versions']) ? spec['versions'] : [];
    const storage = versions.find((v) => isJsonObject(v) && v['storage'] === true);
    next['status'] = {
      acceptedNames: isJsonObject(spec['names']) ? spec['names'] : {},
      storedVersions: isJsonObject(storage) && typeof storage['name'] === 'string' ? [storage['name']] : [],
      conditions: [
        { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now },
        { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now },
      ],
    };
    this.svc.writeRaw(this.crdRes, entry, next);
  }
}
