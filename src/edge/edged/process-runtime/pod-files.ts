/**
 * What the process runtime keeps in a pod's directory besides volumes: `pod.json` (the spec it runs,
 * so a later runtime can re-adopt the pod before edged syncs it), `state/<container>.json`, and the
 * links that stand in for volume mounts inside each container's working directory.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isJsonObject } from '../../../base/index.js';
import type { V1Pod } from '../../../kube/client/index.js';
import type { Logger } from '../../../platform/log/index.js';
import type { ContainerState } from '../runtime.js';
import { readSaved, type SavedContainer } from './saved-state.js';

/** The pod as saved: metadata (name, namespace, uid) and spec. */
export function savePodSpec(dir: string, pod: V1Pod): void {
  const meta = pod.metadata ?? {};
  const text = JSON.stringify({ metadata: { name: meta.name, namespace: meta.namespace, uid: meta.uid }, spec: pod.spec ?? {} });
  const path = join(dir, 'pod.json');
  try {
    if (readFileSync(path, 'utf8') === text) return;
  } catch {
    // not written yet
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

export function loadPodSpec(dir: string): V1Pod | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(join(dir, 'pod.json'), 'utf8'));
    if (!isJsonObject(v) || !isJsonObject(v['metadata']) || !isJsonObject(v['spec'])) return undefined;
    return v as V1Pod;
  } catch {
    return undefined;
  }
}

/**
 * A pod that already ended (edged passes the status it last reported) but has no saved state, e.g.
 * its directory was lost: its containers' final states, so it is not run again.
 */
function endedFromStatus(pod: V1Pod | undefined): Map<string, SavedContainer> {
  const out = new Map<string, SavedContainer>();
  const phase = pod?.status?.phase;
  if (phase !== 'Succeeded' && phase !== 'Failed') return out;
  for (const cs of [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])]) {
    const t = cs.state?.terminated;
    const state: ContainerState = {
      terminated: { exitCode: t?.exitCode ?? (phase === 'Succeeded' ? 0 : 1), reason: t?.reason ?? (phase === 'Succeeded' ? 'Completed' : 'Error'), startedAt: t?.startedAt ?? '', finishedAt: t?.finishedAt ?? '', containerID: t?.containerID ?? cs.containerID ?? '' },
    };
    out.set(cs.name, { restartCount: cs.restartCount, containerID: cs.containerID ?? '', state, done: true, backoffMs: 0, backoffAt: 0 });
  }
  return out;
}

/** Saved container states of a pod by container name (else the final states of an ended `pod`). */
export function loadSaved(dir: string, pod?: V1Pod): Map<string, SavedContainer> {
  const out = new Map<string, SavedContainer>();
  let names: string[];
  try {
    names = readdirSync(join(dir, 'state'));
  } catch {
    return endedFromStatus(pod);
  }
  for (const n of names) {
    if (!n.endsWith('.json')) continue;
    const s = readSaved(join(dir, 'state', n));
    if (s !== undefined) out.set(n.slice(0, -'.json'.length), s);
  }
  return out.size > 0 ? out : endedFromStatus(pod);
}

/** Pod UIDs that have a directory under `<rootDir>/pods`. */
export function podDirUids(rootDir: string): string[] {
  try {
    return readdirSync(join(rootDir, 'pods'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/**
 * Links `<podDir>/containers/<c>/<mountPath>` to each mounted volume (plus subPath): nothing is mounted
 * for a host process, so a mountPath is relative to the container's working directory. Existing links
 * are replaced only when they point elsewhere; a real file or directory in the way is left alone.
 */
export function linkMounts(pod: V1Pod, dir: string, hostPaths: ReadonlyMap<string, string>, log: Logger): void {
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const m of c.volumeMounts ?? []) {
      const rel = m.mountPath.replace(/^\/+/, '');
      const vol = hostPaths.get(m.name);
      if (vol === undefined || rel === '' || rel.split('/').includes('..')) continue;
      const sub = m.subPath ?? '';
      if (sub.startsWith('/') || sub.split('/').includes('..')) continue;
      const target = sub === '' ? vol : join(vol, sub);
      const link = join(dir, 'containers', c.name, rel);
      let current: string | undefined;
      try {
        current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : '';
      } catch {
        current = undefined;
      }
      if (current === target) continue;
      if (current === '') {
        log.warn({ container: c.name, mountPath: m.mountPath }, 'mount path is taken by a file; volume not linked');
        continue;
      }
      mkdirSync(dirname(link), { recursive: true });
      if (current !== undefined) rmSync(link, { force: true });
      symlinkSync(target, link);
    }
  }
}
