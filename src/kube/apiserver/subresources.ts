import { getPath, isJsonObject, type JsonObject } from '../../base/index.js';
import { copyTop, metaOf, rfc3339 } from './meta.js';
import type { ObjectService, WriteOptions } from './objects.js';
import { applyJsonPatch, applyMergePatch } from './patch/index.js';
import { PatchTypes, type PatchType } from './patching.js';
import type { ResourceInfo } from './resources.js';
import { ApiError, apiErrors } from './status.js';

/** `/scale` for Deployments, ReplicaSets, StatefulSets and CRDs that enable it: an autoscaling/v1 Scale view. */
export function readScale(svc: ObjectService, res: ResourceInfo, namespace: string | undefined, name: string): JsonObject {
  const o = svc.get(res, namespace, name);
  const meta = isJsonObject(o['metadata']) ? o['metadata'] : {};
  const paths = scalePaths(res);
  const specReplicas = getPath(o, paths.spec);
  const statusReplicas = getPath(o, paths.status);
  let selector = '';
  if (res.custom === undefined) {
    const sel = getPath(o, ['spec', 'selector', 'matchLabels']);
    if (isJsonObject(sel)) selector = Object.entries(sel).map(([k, v]) => `${k}=${String(v)}`).join(',');
  } else if (paths.selector !== undefined) {
    const s = getPath(o, paths.selector);
    if (typeof s === 'string') selector = s;
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      uid: meta['uid'] ?? null,
      resourceVersion: meta['resourceVersion'] ?? null,
      creationTimestamp: meta['creationTimestamp'] ?? null,
    },
    spec: { replicas: typeof specReplicas === 'number' ? specReplicas : 0 },
    status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0, ...(selector !== '' ? { selector } : {}) },
  };
}

function scalePaths(res: ResourceInfo): { spec: string[]; status: string[]; selector?: string[] } {
  const scale = res.custom?.scale;
  if (scale === undefined) return { spec: ['spec', 'replicas'], status: ['status', 'replicas'] };
  const split = (p: string): string[] => {
    const segs = p.replace(/^\./, '').split('.');
    if (segs.some((s) => s === '' || s === '__proto__' || s === 'constructor' || s === 'prototype')) {
      throw new ApiError('Invalid', `the scale subresource path ${JSON.stringify(p)} of ${res.plural} is not a simple field path`);
    }
    return segs;
  };
  return {
    spec: split(scale.specReplicasPath),
    status: split(scale.statusReplicasPath),
    ...(scale.labelSelectorPath !== undefined ? { selector: split(scale.labelSelectorPath) } : {}),
  };
}

/** Writes spec.replicas from a Scale (PUT) or a patch of the Scale (PATCH). */
export function writeScale(
  svc: ObjectService,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  change: { put: JsonObject } | { patchType: PatchType; patch: unknown },
  opts: WriteOptions,
): JsonObject {
  const current = readScale(svc, res, namespace, name);
  let scale: unknown;
  if ('put' in change) scale = change.put;
  else if (change.patchType === PatchTypes.json) scale = applyJsonPatch(current, change.patch);
  else if (isJsonObject(change.patch)) scale = applyMergePatch(current, change.patch);
  else throw apiErrors.badRequest('the scale patch must be a JSON object');
  const replicas = getPath(scale, ['spec', 'replicas']);
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw apiErrors.invalid('Scale', name, [{ field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0` }], 'autoscaling');
  }
  const rv = getPath(scale, ['metadata', 'resourceVersion']);
  const entry = svc.getEntry(res, namespace, name);
  if ('put' in change && typeof rv === 'string' && rv !== '' && rv !== String(entry.modRevision)) {
    throw apiErrors.conflict(res.plural, name, 'the object has been modified; please apply your changes to the latest version and try again', res.group);
  }
  const next = structuredClone(entry.value) as JsonObject;
  const path = scalePaths(res).spec;
  let cur: JsonObject = next;
  for (const seg of path.slice(0, -1)) {
    const child = cur[seg];
    if (!isJsonObject(child)) cur[seg] = {};
    cur = cur[seg] as JsonObject;
  }
  cur[path[path.length - 1] ?? 'replicas'] = replicas;
  svc.update(res, namespace, name, next, { ...opts, expectedEntry: entry });
  return readScale(svc, res, namespace, name);
}

/** `pods/binding`: assigns a pending pod to a node, once. */
export function bindPod(svc: ObjectService, res: ResourceInfo, namespace: string | undefined, name: string, binding: JsonObject, opts: WriteOptions): void {
  const target = isJsonObject(binding['target']) ? binding['target'] : undefined;
  const node = target?.['name'];
  if (typeof node !== 'string' || node === '') {
    throw apiErrors.invalid('Binding', name, [{ field: 'target.name', reason: 'FieldValueRequired', message: 'Required value' }]);
  }
  const entry = svc.getEntry(res, namespace, name);
  const pod = entry.value;
  const spec = isJsonObject(pod['spec']) ? pod['spec'] : {};
  if (typeof spec['nodeName'] === 'string' && spec['nodeName'] !== '') {
    throw apiErrors.conflict('pods', name, `pod ${name} is already assigned to node "${spec['nodeName']}"`);
  }
  if (isJsonObject(pod['metadata']) && pod['metadata']['deletionTimestamp'] !== undefined) {
    throw apiErrors.conflict('pods', name, `pod ${name} is being deleted, cannot be assigned to a host`);
  }
  const next = copyTop(pod);
  next['spec'] = { ...spec, nodeName: node };
  const status = isJsonObject(pod['status']) ? { ...pod['status'] } : {};
  const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []).filter((c) => !(isJsonObject(c) && c['type'] === 'PodScheduled'));
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(svc.now()) });
  status['conditions'] = conditions;
  next['status'] = status;
  const annotations = isJsonObject(binding['metadata']) ? binding['metadata']['annotations'] : undefined;
  if (isJsonObject(annotations)) {
    const meta = metaOf(next);
    meta['annotations'] = { ...(isJsonObject(meta['annotations']) ? meta['annotations'] : {}), ...annotations };
  }
  if (opts.dryRun === true) return;
  svc.writeRaw(res, entry, next);
}

export function ensureSubresource(res: ResourceInfo, sub: string): void {
  if (!(res.subresources as readonly string[]).includes(sub) && !(sub === 'finalize' && res.plural === 'namespaces' && res.group === '')) {
    throw new ApiError('NotFound', `the server could not find the requested resource (${res.plural}/${sub})`);
  }
}
