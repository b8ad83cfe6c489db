/**
 * Static pods: Pod manifests (YAML or JSON, one per file) in `tailoredKubeletConfig.staticPodPath`, run by
 * edged without the cloud, as kubelet's file source does. Each pod is named `<name>-<node>`, bound to the node,
 * and gets a UID derived from its file's content, so an edited file replaces the pod and an unchanged one keeps
 * running across edgecore restarts. They are local: no mirror pod is created in the cloud.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, isJsonObject } from '../../base/index.js';
import type { V1Pod } from '../../kube/client/index.js';
import { parseConfigText } from '../../platform/config/index.js';
import type { Logger } from '../../platform/log/index.js';

export const STATIC_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
export const STATIC_HASH_ANNOTATION = 'kubernetes.io/config.hash';
const MANIFEST = /\.(ya?ml|json)$/;

export interface StaticPodsRead {
  readonly pods: V1Pod[];
  /** Files that are not a Pod manifest, with why (logged by the caller once per change). */
  readonly rejected: readonly { readonly file: string; readonly reason: string }[];
}

function uidFrom(hash: string): string {
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
}

/** One manifest → the pod edged runs; throws with the reason it is not one. */
export function staticPodFrom(text: string, file: string, nodeName: string): V1Pod {
  const doc = parseConfigText(text, file);
  if (!isJsonObject(doc) || doc['kind'] !== 'Pod' || (doc['apiVersion'] !== 'v1' && doc['apiVersion'] !== undefined)) throw new Error('not a v1 Pod');
  const meta = doc['metadata'];
  const spec = doc['spec'];
  if (!isJsonObject(meta) || typeof meta['name'] !== 'string' || meta['name'] === '') throw new Error('metadata.name missing');
  if (!isJsonObject(spec) || !Array.isArray(spec['containers']) || spec['containers'].length === 0) throw new Error('spec.containers missing');
  const hash = createHash('sha256').update(nodeName).update('\0').update(text).digest('hex');
  const pod = doc as unknown as V1Pod;
  const annotations = { ...(pod.metadata?.annotations ?? {}), [STATIC_SOURCE_ANNOTATION]: 'file', [STATIC_HASH_ANNOTATION]: hash.slice(0, 32) };
  return {
    ...pod,
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...pod.metadata, name: `${meta['name']}-${nodeName}`, namespace: typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? meta['namespace'] : 'default', uid: uidFrom(hash), annotations },
    spec: { ...pod.spec, containers: pod.spec?.containers ?? [], nodeName },
  };
}

/** Every manifest in `dir` (a missing folder holds none). */
export function readStaticPods(dir: string, nodeName: string): StaticPodsRead {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => MANIFEST.test(f)).sort();
  } catch {
    return { pods: [], rejected: [] };
  }
  const pods: V1Pod[] = [];
  const rejected: { file: string; reason: string }[] = [];
  for (const f of files) {
    const file = join(dir, f);
    try {
      pods.push(staticPodFrom(readFileSync(file, 'utf8'), file, nodeName));
    } catch (err) {
      rejected.push({ file, reason: errorMessage(err) });
    }
  }
  return { pods, rejected };
}

export function isStaticPod(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.[STATIC_SOURCE_ANNOTATION] === 'file';
}

/** Logs rejected manifests once per distinct set of problems. */
export function staticPodLogger(log: Logger): (r: StaticPodsRead) => void {
  let last = '';
  return (r) => {
    const text = JSON.stringify(r.rejected);
    if (text === last) return;
    last = text;
    for (const x of r.rejected) log.warn({ file: x.file, reason: x.reason }, 'static pod manifest ignored');
  };
}
