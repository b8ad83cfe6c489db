/**
 * Pod preparation shared by the cri and process runtimes: the pod's directory on the node, its
 * volumes (kubelet's atomic writer layout, refreshed in place), and each container's env and command
 * line as kubelet builds them. All of it reads ConfigMaps and Secrets from an ObjectSource (the
 * edge's SQLite), so it works offline.
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { KeError } from '../../../base/index.js';
import type { V1Pod } from '../../../kube/client/index.js';
import type { ObjectSource } from '../runtime.js';
import type { PodContext } from './context.js';
import { prepareVolumesIn, type PreparedVolumes } from './volumes.js';

export type { PodContext } from './context.js';
export type { PreparedVolumes } from './volumes.js';
export { commandLine, expandVars, resolveEnv, type ResolvedEnv } from './env.js';

/** `<rootDir>/pods` and each pod's directory: owner and group only (Secrets live below). */
const POD_DIR_MODE = 0o750;

export const PodPrepErrorCode = {
  badPodUid: 'KE_EDGED_BAD_POD_UID',
} as const;

function checkUid(uid: string): void {
  if (uid === '' || uid === '.' || uid === '..' || uid.includes('/') || uid.includes('\0')) {
    throw new KeError(PodPrepErrorCode.badPodUid, `not a pod UID: ${JSON.stringify(uid)}`, { details: { uid } });
  }
}

/** `<rootDir>/pods/<uid>`; KE_EDGED_BAD_POD_UID for a UID that is not a single path component. */
export function podDir(rootDir: string, uid: string): string {
  checkUid(uid);
  return join(rootDir, 'pods', uid);
}

/**
 * Pod directories hold Secret volumes: `<rootDir>/pods` and `<rootDir>/pods/<uid>` are 0750 (as
 * kubelet's), set by chmod so the umask does not matter. Creates them when missing; returns podDir.
 */
export function ensurePodDir(rootDir: string, uid: string): string {
  const dir = podDir(rootDir, uid);
  for (const d of [join(rootDir, 'pods'), dir]) {
    mkdirSync(d, { recursive: true, mode: POD_DIR_MODE });
    chmodSync(d, POD_DIR_MODE);
  }
  return dir;
}

/** Writes / refreshes every volume of the pod under podDir(rootDir, uid)/volumes/<name>. Idempotent, cheap when nothing changed. */
export function prepareVolumes(pod: V1Pod, rootDir: string, objects: ObjectSource, ctx: PodContext): PreparedVolumes {
  const uid = pod.metadata?.uid ?? '';
  let made = false;
  const beforeWrite = (): void => {
    if (made) return;
    ensurePodDir(rootDir, uid);
    made = true;
  };
  return prepareVolumesIn(pod, join(podDir(rootDir, uid), 'volumes'), objects, ctx, beforeWrite);
}

/** Removes podDir (volumes, state) — call after the pod's containers are gone. Never follows hostPath (nor any symlink). */
export function removePodDir(rootDir: string, uid: string): void {
  rmSync(podDir(rootDir, uid), { recursive: true, force: true });
}
