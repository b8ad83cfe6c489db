/**
 * Pod volumes on the node's disk, under `<podDir>/volumes/<name>`: configMap, secret, downwardAPI and
 * projected volumes through the atomic writer, emptyDir as a plain directory, hostPath checked or
 * created in place. A volume whose non-optional source is missing is not (re)written and reported as a
 * problem (kubelet: FailedMount); what an earlier call wrote stays, as kubelet keeps it.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { V1Pod, V1Volume } from '../../../kube/client/index.js';
import type { ObjectSource } from '../runtime.js';
import { badPath, pathClash, writeAtomic, type FileProjection } from './atomic-writer.js';
import type { PodContext } from './context.js';
import { findContainer } from './env.js';
import { containerResource, podField } from './fields.js';

export interface PreparedVolumes {
  /** volume name → host path to mount (a directory; for hostPath of a file, the file). */
  readonly hostPaths: ReadonlyMap<string, string>;
  /** Problems with non-optional sources (missing ConfigMap/Secret/key): the pod must wait (kubelet: FailedMount). Empty when fine. */
  readonly problems: readonly string[];
}

type KeyToPath = { readonly key: string; readonly path: string; readonly mode?: number };
type DownwardFile = NonNullable<NonNullable<V1Volume['downwardAPI']>['items']>[number];
type Projection = NonNullable<NonNullable<V1Volume['projected']>['sources']>[number];

/** Kubernetes' default mode of configMap, secret, downwardAPI and projected files. */
const DEFAULT_MODE = 0o644;

interface Builder {
  readonly pod: V1Pod;
  readonly objects: ObjectSource;
  readonly ctx: PodContext;
  readonly files: Map<string, FileProjection>;
  readonly problems: string[];
}

function add(b: Builder, path: string, data: Buffer, mode: number): void {
  const bad = badPath(path);
  if (bad !== undefined) b.problems.push(bad);
  else b.files.set(path, { data, mode: mode & 0o777 });
}

/** Keys (name → bytes) projected through `items`, or all of them. */
function project(b: Builder, what: string, data: ReadonlyMap<string, Buffer> | undefined, items: readonly KeyToPath[] | undefined, optional: boolean, mode: number): void {
  if (data === undefined) {
    if (!optional) b.problems.push(`${what} not found`);
    return;
  }
  if (items === undefined || items.length === 0) {
    for (const [k, v] of data) add(b, k, v, mode);
    return;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (v === undefined) {
      if (!optional) b.problems.push(`${what} references non-existent key: ${it.key}`);
      continue;
    }
    add(b, it.path, v, it.mode ?? mode);
  }
}

function configMapData(b: Builder, name: string): Map<string, Buffer> | undefined {
  const cm = b.objects.configMap(b.pod.metadata?.namespace ?? 'default', name);
  if (cm === undefined) return undefined;
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

function secretData(b: Builder, name: string): Map<string, Buffer> | undefined {
  const s = b.objects.secret(b.pod.metadata?.namespace ?? 'default', name);
  if (s === undefined) return undefined;
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(s.stringData ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  return out;
}

function downward(b: Builder, items: readonly DownwardFile[] | undefined, mode: number): void {
  for (const it of items ?? []) {
    let r: { value: string } | { error: string };
    if (it.fieldRef !== undefined) r = podField(b.pod, it.fieldRef.fieldPath, b.ctx);
    else if (it.resourceFieldRef !== undefined) {
      const ref = it.resourceFieldRef;
      r = containerResource(findContainer(b.pod, ref.containerName ?? ''), ref.resource, ref.divisor, b.ctx);
    } else r = { error: `downwardAPI item ${it.path} has no source` };
    if ('error' in r) b.problems.push(r.error);
    else add(b, it.path, Buffer.from(r.value, 'utf8'), it.mode ?? mode);
  }
}

/**
 * One projected source. serviceAccountToken sources are skipped: edge pods get no API token here,
 * so nothing is written and it is not a problem. clusterTrustBundle and podCertificate likewise.
 */
function projected(b: Builder, s: Projection, mode: number): void {
  if (s.configMap !== undefined) {
    const name = s.configMap.name ?? '';
    project(b, `configmap "${name}"`, configMapData(b, name), s.configMap.items, s.configMap.optional === true, mode);
  } else if (s.secret !== undefined) {
    const name = s.secret.name ?? '';
    project(b, `secret "${name}"`, secretData(b, name), s.secret.items, s.secret.optional === true, mode);
  } else if (s.downwardAPI !== undefined) {
    downward(b, s.downwardAPI.items, mode);
  }
}

/** hostPath `type` checks (kubelet's hostPathTypeChecker); FileOrCreate does not create the parent, as in kubelet. */
function hostPath(path: string, type: string): string | undefined {
  if (!isAbsolute(path)) return `hostPath ${path} is not absolute`;
  const st = ((): ReturnType<typeof statSync> | undefined => {
    try {
      return statSync(path);
    } catch {
      return undefined;
    }
  })();
  switch (type) {
    case '':
      return undefined;
    case 'DirectoryOrCreate':
      if (st === undefined) mkdirSync(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) return `hostPath type check failed: ${path} is not a directory`;
      return undefined;
    case 'FileOrCreate':
      if (st === undefined) {
        if (!existsSync(dirname(path))) return `hostPath type check failed: parent of ${path} does not exist`;
        closeSync(openSync(path, 'a', 0o644));
      } else if (!st.isFile()) return `hostPath type check failed: ${path} is not a file`;
      return undefined;
    case 'Directory':
      return st?.isDirectory() === true ? undefined : `hostPath type check failed: ${path} is not a directory`;
    case 'File':
      return st?.isFile() === true ? undefined : `hostPath type check failed: ${path} is not a file`;
    case 'Socket':
      return st?.isSocket() === true ? undefined : `hostPath type check failed: ${path} is not a socket file`;
    case 'CharDevice':
      return st?.isCharacterDevice() === true ? undefined : `hostPath type check failed: ${path} is not a character device`;
    case 'BlockDevice':
      return st?.isBlockDevice() === true ? undefined : `hostPath type check failed: ${path} is not a block device`;
    default:
      return `hostPath type ${type} is not supported`;
  }
}

/** Builds a volume's files into `b`; false for kinds the atomic writer does not handle. */
function payloadOf(v: V1Volume, b: Builder): boolean {
  if (v.configMap !== undefined) {
    const name = v.configMap.name ?? '';
    project(b, `configmap "${name}"`, configMapData(b, name), v.configMap.items, v.configMap.optional === true, v.configMap.defaultMode ?? DEFAULT_MODE);
  } else if (v.secret !== undefined) {
    const name = v.secret.secretName ?? '';
    project(b, `secret "${name}"`, secretData(b, name), v.secret.items, v.secret.optional === true, v.secret.defaultMode ?? DEFAULT_MODE);
  } else if (v.downwardAPI !== undefined) {
    downward(b, v.downwardAPI.items, v.downwardAPI.defaultMode ?? DEFAULT_MODE);
  } else if (v.projected !== undefined) {
    for (const s of v.projected.sources ?? []) projected(b, s, v.projected.defaultMode ?? DEFAULT_MODE);
  } else return false;
  return true;
}

/** One volume: its host path, or why it cannot be set up. Throws on file-system errors. */
function setUp(v: V1Volume, dir: string, pod: V1Pod, objects: ObjectSource, ctx: PodContext, beforeWrite: () => void): { path?: string; problems: string[] } {
  if (v.hostPath !== undefined) {
    const err = hostPath(v.hostPath.path, v.hostPath.type ?? '');
    return err !== undefined ? { problems: [err] } : { path: v.hostPath.path, problems: [] };
  }
  if (v.emptyDir !== undefined) {
    // medium: Memory is a plain directory too (no tmpfs is mounted); sizeLimit is not enforced.
    if (!existsSync(dir)) {
      beforeWrite();
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
    }
    return { path: dir, problems: [] };
  }
  const b: Builder = { pod, objects, ctx, files: new Map(), problems: [] };
  if (!payloadOf(v, b)) return { problems: ['unsupported volume type'] };
  const clash = pathClash(b.files.keys());
  if (clash !== undefined) b.problems.push(clash);
  if (b.problems.length === 0) {
    beforeWrite();
    writeAtomic(dir, b.files);
  }
  return existsSync(dir) ? { path: dir, problems: b.problems } : { problems: b.problems };
}

/**
 * Writes / refreshes every volume of the pod under `<podDir>/volumes/<name>`. Idempotent, cheap when
 * nothing changed. `beforeWrite` runs before anything is created (it makes the pod directory). A
 * file-system error (ENOSPC...) is that volume's problem, as kubelet reports a failed SetUp.
 */
export function prepareVolumesIn(pod: V1Pod, volumesDir: string, objects: ObjectSource, ctx: PodContext, beforeWrite: () => void = () => undefined): PreparedVolumes {
  const hostPaths = new Map<string, string>();
  const problems: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    const fail = (msg: string): void => {
      problems.push(`MountVolume.SetUp failed for volume "${v.name}" : ${msg}`);
    };
    const bad = badPath(v.name);
    if (bad !== undefined || v.name.includes('/')) {
      fail(`bad volume name: ${bad ?? v.name}`);
      continue;
    }
    const dir = join(volumesDir, v.name);
    try {
      const r = setUp(v, dir, pod, objects, ctx, beforeWrite);
      for (const p of r.problems) fail(p);
      if (r.path !== undefined) hostPaths.set(v.name, r.path);
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err));
      // what an earlier sync wrote stays usable
      if (v.hostPath === undefined && existsSync(dir)) hostPaths.set(v.name, dir);
    }
  }
  return { hostPaths, problems };
}
