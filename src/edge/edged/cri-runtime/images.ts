/**
 * Images: pulls by imagePullPolicy with imagePullSecrets and ImagePullBackOff, the Node's image list,
 * and image GC (unused images removed, least recently used first, once the image filesystem is
 * above the high threshold, until it is below the low one; images younger than 2 min and images a
 * pod spec names are kept).
 */
import { statfsSync } from 'node:fs';
import type { V1Container, V1Pod, V1Secret } from '../../../kube/client/index.js';
import type { Logger } from '../../../platform/log/index.js';
import type { CriClient } from '../../../platform/cri/client.js';
import type { Image, PodSandboxConfig } from '../../../platform/cri/types.js';
import type { ObjectSource, RuntimeImage } from '../runtime.js';
import type { BackoffTracker } from './backoff.js';
import { pullCredentials, pullPolicy } from './pull-policy.js';
import type { Waiting } from './status.js';

const PULL_TIMEOUT_MS = 10 * 60_000;

export interface ImageDeps {
  readonly client: CriClient;
  readonly objects: ObjectSource;
  readonly backoff: BackoffTracker;
  readonly now: () => number;
  readonly log: Logger;
}

export type EnsureResult = { readonly ok: true } | { readonly ok: false; readonly waiting: Waiting; /** Retry after (ms), when backing off. */ readonly retryMs?: number };

function pullSecrets(pod: V1Pod, objects: ObjectSource): V1Secret[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const out: V1Secret[] = [];
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    const s = ref.name !== undefined ? objects.secret(ns, ref.name) : undefined;
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** Makes the container's image present as its pull policy says. */
export async function ensureImage(d: ImageDeps, pod: V1Pod, c: V1Container, sandbox: PodSandboxConfig): Promise<EnsureResult> {
  const image = c.image ?? '';
  const policy = pullPolicy(c);
  if (policy !== 'Always') {
    // A reference the runtime cannot even look up counts as absent (the pull then says why).
    const present = await d.client.imageStatus({ image }).catch((err: unknown) => {
      d.log.debug({ image, err: err instanceof Error ? err.message : String(err) }, 'image status failed');
      return null;
    });
    if (present !== null) return { ok: true };
    if (policy === 'Never') {
      return { ok: false, waiting: { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` } };
    }
  }
  const key = `pull/${pod.metadata?.uid ?? ''}/${image}`;
  const now = d.now();
  const last = d.backoff.lastUpdate(key);
  if (last !== undefined && d.backoff.inBackoffSince(key, last, now)) {
    return { ok: false, waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` }, retryMs: last + d.backoff.delay(key) - now };
  }
  const creds = pullCredentials(image, pullSecrets(pod, d.objects));
  let lastErr = '';
  for (const auth of creds.length > 0 ? creds : [undefined]) {
    try {
      await d.client.pullImage({ image }, auth, sandbox, { timeoutMs: PULL_TIMEOUT_MS });
      d.backoff.reset(key);
      return { ok: true };
    } catch (err) {
      lastErr = err instanceof Error ? err.message : String(err);
    }
  }
  d.backoff.next(key, now);
  d.log.warn({ image, err: lastErr }, 'image pull failed');
  return { ok: false, waiting: { reason: 'ErrImagePull', message: lastErr }, retryMs: d.backoff.delay(key) };
}

/** Pulls the sandbox image when missing (in the background at start; containerd would pull its own otherwise). */
export async function ensureSandboxImage(client: CriClient, image: string, log: Logger): Promise<void> {
  if (image === '') return;
  try {
    if ((await client.imageStatus({ image })) !== null) return;
    await client.pullImage({ image }, undefined, undefined, { timeoutMs: PULL_TIMEOUT_MS });
    log.info({ image }, 'sandbox image pulled');
  } catch (err) {
    log.warn({ image, err: err instanceof Error ? err.message : String(err) }, 'sandbox image not available');
  }
}

/** The runtime's images as the Node's status.images lists them. */
export async function listImages(client: CriClient): Promise<RuntimeImage[]> {
  const images = await client.listImages();
  return images.map((i) => ({ names: [...i.repoTags, ...i.repoDigests], sizeBytes: Number(i.size) }));
}

export interface ImageGcOptions {
  readonly highPercent: number;
  readonly lowPercent: number;
  /** Images never removed (the sandbox image). */
  readonly pinned: readonly string[];
  /** Images pod specs still name (never removed either). */
  readonly keep?: readonly string[];
  /** Images first seen less than this long ago are not removed (kubelet's imageMinimumGCAge); default 2 min. */
  readonly minAgeMs?: number;
}

export const DEFAULT_IMAGE_MIN_AGE_MS = 2 * 60_000;

/** `busybox` → `docker.io/library/busybox:latest`, as the runtime names images in repoTags. */
export function normalizeImageRef(image: string): string {
  let ref = image;
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  if (slash < 0) ref = `docker.io/library/${ref}`;
  else if (!(first.includes('.') || first.includes(':') || first === 'localhost')) ref = `docker.io/${ref}`;
  const lastSlash = ref.lastIndexOf('/');
  if (!ref.includes('@') && ref.lastIndexOf(':') < lastSlash) ref = `${ref}:latest`;
  return ref;
}

/** Per image ID: when first seen and when last seen in use (or first seen), for least-recently-used removal. */
export type ImageUse = Map<string, { readonly firstSeen: number; lastUsed: number }>;

/** Bytes to free: 0 below the high threshold, else down to the low one. */
export function bytesToFree(usedBytes: number, capacityBytes: number, o: ImageGcOptions): number {
  if (capacityBytes <= 0) return 0;
  const usage = (usedBytes / capacityBytes) * 100;
  if (usage < o.highPercent) return 0;
  return Math.max(0, usedBytes - Math.floor((capacityBytes * o.lowPercent) / 100));
}

/** The references an image answers to: its ID, tags and digests (`repo@sha256:…`). */
const namesOf = (i: Image): string[] => [i.id, ...i.repoTags, ...i.repoDigests];

/**
 * Updates `use` from the runtime's images (those running containers use count as used now) and
 * returns the images GC may remove, least recently used first: not pinned, not in use, not named by
 * a pod spec (`keep`), and first seen at least minAgeMs ago.
 */
export function gcCandidates(images: readonly Image[], inUse: ReadonlySet<string>, use: ImageUse, now: number, o: ImageGcOptions): Image[] {
  const used = (i: Image): boolean => namesOf(i).some((n) => inUse.has(n));
  for (const i of images) {
    const u = use.get(i.id);
    if (u === undefined) use.set(i.id, { firstSeen: now, lastUsed: now });
    else if (used(i)) u.lastUsed = now;
  }
  for (const id of [...use.keys()]) if (!images.some((i) => i.id === id)) use.delete(id);
  const pinned = new Set(o.pinned.map(normalizeImageRef));
  const keep = new Set((o.keep ?? []).filter((k) => k !== '').flatMap((k) => [k, normalizeImageRef(k)]));
  const minAge = o.minAgeMs ?? DEFAULT_IMAGE_MIN_AGE_MS;
  return images
    .filter((i) => !i.pinned && !i.repoTags.some((t) => pinned.has(t)) && !used(i) && !namesOf(i).some((n) => keep.has(n)))
    .filter((i) => now - (use.get(i.id)?.firstSeen ?? now) >= minAge)
    .sort((a, b) => (use.get(a.id)?.lastUsed ?? 0) - (use.get(b.id)?.lastUsed ?? 0));
}

/** One image GC pass; returns the IDs removed. */
export async function imageGc(client: CriClient, use: ImageUse, now: number, o: ImageGcOptions, log: Logger): Promise<string[]> {
  const [images, containers, fs] = await Promise.all([client.listImages(), client.listContainers(), client.imageFsInfo()]);
  const inUse = new Set<string>();
  for (const c of containers) {
    inUse.add(c.imageRef);
    if (c.image !== null) inUse.add(c.image.image);
  }
  const candidates = gcCandidates(images, inUse, use, now, o);
  const mount = fs.imageFilesystems[0]?.fsId?.mountpoint;
  if (mount === undefined || mount === '') return [];
  let used: number;
  let capacity: number;
  try {
    const st = statfsSync(mount);
    capacity = st.blocks * st.bsize;
    used = (st.blocks - st.bavail) * st.bsize;
  } catch {
    return [];
  }
  let toFree = bytesToFree(used, capacity, o);
  if (toFree === 0) return [];
  const removed: string[] = [];
  for (const i of candidates) {
    if (toFree <= 0) break;
    try {
      await client.removeImage({ image: i.id });
      removed.push(i.id);
      toFree -= Number(i.size);
      use.delete(i.id);
    } catch (err) {
      log.warn({ image: i.id, err: err instanceof Error ? err.message : String(err) }, 'image removal failed');
    }
  }
  if (removed.length > 0) log.info({ removed: removed.length, mount }, 'image GC removed unused images');
  return removed;
}
