/**
 * Test images built in Node from busybox-static, with no image tooling: one rootfs layer (a tar
 * written here, gzipped), an OCI config and an OCI manifest, pushed to a registry through the
 * Docker Registry HTTP API v2. The blobs are built once per process and kept in memory.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

export const BUSYBOX_PATH = '/bin/busybox';
export const BUSYBOX_REPO = 'kubeedge-test/busybox';
export const PAUSE_REPO = 'kubeedge-test/pause';
export const TEST_IMAGE_TAG = 'v1';

const APPLETS = [
  'sh', 'ls', 'cat', 'echo', 'sleep', 'id', 'hostname', 'ps', 'wget', 'nc', 'httpd', 'ip', 'env', 'kill',
  'printenv', 'true', 'false', 'test', 'mkdir', 'date', 'grep', 'sed', 'head', 'tail', 'cp', 'mv', 'rm', 'touch',
  'chmod', 'uname', 'wc', 'ln', 'pwd', 'seq', 'tee', 'cut', 'tr', 'sort', 'nslookup', '[',
] as const;

/** Debian's busybox-static has no printenv applet: a shell stand-in with the same output and exit code. */
const PRINTENV_SCRIPT = [
  '#!/bin/sh',
  '[ $# -eq 0 ] && exec env',
  'rc=0',
  'for n in "$@"; do',
  '  if eval "[ -n \\"\\${$n+x}\\" ]"; then eval "printf \'%s\\n\' \\"\\$$n\\""; else rc=1; fi',
  'done',
  'exit $rc',
  '',
].join('\n');
const DIRS = ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'var', 'var/www'] as const;

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG_TYPE = 'application/vnd.oci.image.config.v1+json';
const LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

/** PID 1 of a sandbox: sleeps forever, exits at once on SIGTERM. */
export const PAUSE_ENTRYPOINT = ['/bin/sh', '-c', "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"] as const;

export interface Blob {
  readonly digest: string;
  readonly data: Buffer;
}

export interface BuiltImage {
  readonly repo: string;
  readonly tag: string;
  readonly manifest: Blob;
  readonly config: Blob;
  readonly layer: Blob;
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blob = (data: Buffer): Blob => ({ digest: sha256(data), data });

// ---- a minimal ustar writer ----

interface TarEntry {
  readonly name: string;
  readonly type: 'file' | 'dir' | 'symlink';
  readonly mode: number;
  readonly data?: Buffer;
  readonly link?: string;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function tarHeader(e: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'utf8');
  h.write(octal(e.mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii'); // mtime: fixed, so the layer digest is stable
  h.write('        ', 148, 'ascii'); // checksum placeholder
  h.write(e.type === 'file' ? '0' : e.type === 'dir' ? '5' : '2', 156, 'ascii');
  if (e.link !== undefined) h.write(e.link, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (Buffer.byteLength(e.name) > 99) throw new Error(`tar name too long: ${e.name}`);
    const data = e.type === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(tarHeader(e, data.length), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad > 0) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

// ---- the images ----

/** Throws unless `file` is a statically linked ELF (no PT_INTERP program header). */
export function assertStaticElf(file: string, bytes: Buffer): void {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 2) throw new Error(`${file} is not a 64-bit ELF file`);
  const phoff = Number(bytes.readBigUInt64LE(32));
  const phentsize = bytes.readUInt16LE(54);
  const phnum = bytes.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    if (bytes.readUInt32LE(phoff + i * phentsize) === 3) {
      throw new Error(`${file} is dynamically linked; install busybox-static (apt-get install -y busybox-static)`);
    }
  }
}

/** The applets this busybox binary has (`busybox --list`). */
function appletsOf(file: string): Set<string> {
  const r = spawnSync(file, ['--list'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`${file} --list failed: ${r.stderr}`);
  return new Set(r.stdout.split('\n').filter((l) => l !== ''));
}

function rootfsLayer(busybox: Buffer, applets: Set<string>): Buffer {
  const entries: TarEntry[] = DIRS.map((d) => ({ name: `${d}/`, type: 'dir', mode: d === 'tmp' ? 0o1777 : 0o755 }));
  entries.push({ name: 'bin/busybox', type: 'file', mode: 0o755, data: busybox });
  for (const a of APPLETS) {
    if (applets.has(a)) entries.push({ name: `bin/${a}`, type: 'symlink', mode: 0o777, link: 'busybox' });
    else if (a === 'printenv') entries.push({ name: 'bin/printenv', type: 'file', mode: 0o755, data: Buffer.from(PRINTENV_SCRIPT) });
    else throw new Error(`${BUSYBOX_PATH} has no '${a}' applet`);
  }
  entries.push({ name: 'var/www/index.html', type: 'file', mode: 0o644, data: Buffer.from('kubeedge-test busybox\n') });
  return writeTar(entries);
}

function goArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return map[process.arch] ?? process.arch;
}

function image(repo: string, layerTar: Buffer, layer: Blob, runConfig: Record<string, unknown>): BuiltImage {
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: goArch(),
        os: 'linux',
        config: { Env: ['PATH=/bin'], WorkingDir: '/', ...runConfig },
        rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
        history: [{ created_by: 'kubeedge-ts test harness (busybox-static)' }],
      }),
    ),
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_TYPE,
        config: { mediaType: CONFIG_TYPE, digest: config.digest, size: config.data.length },
        layers: [{ mediaType: LAYER_TYPE, digest: layer.digest, size: layer.data.length }],
      }),
    ),
  );
  return { repo, tag: TEST_IMAGE_TAG, manifest, config, layer };
}

let built: Promise<readonly BuiltImage[]> | undefined;

/** The busybox image (Cmd sh) and the pause image; built once per process. */
export function buildTestImages(): Promise<readonly BuiltImage[]> {
  built ??= (async () => {
    const busybox = await readFile(BUSYBOX_PATH);
    assertStaticElf(BUSYBOX_PATH, busybox);
    const tar = rootfsLayer(busybox, appletsOf(BUSYBOX_PATH));
    const layer = blob(gzipSync(tar, { level: 6 }));
    return [
      image(BUSYBOX_REPO, tar, layer, { Cmd: ['/bin/sh'] }),
      image(PAUSE_REPO, tar, layer, { Entrypoint: [...PAUSE_ENTRYPOINT] }),
    ];
  })();
  built.catch(() => {
    built = undefined;
  });
  return built;
}

// ---- Docker Registry HTTP API v2 ----

async function expectStatus(res: Response, want: readonly number[], what: string): Promise<void> {
  if (want.includes(res.status)) return;
  throw new Error(`registry: ${what} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
}

async function pushBlob(base: string, repo: string, b: Blob): Promise<void> {
  const head = await fetch(`${base}/v2/${repo}/blobs/${b.digest}`, { method: 'HEAD' });
  if (head.status === 200) return;
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await expectStatus(start, [202], `POST /v2/${repo}/blobs/uploads/`);
  const location = start.headers.get('location');
  if (location === null) throw new Error('registry: blob upload without a Location header');
  const url = new URL(location, base);
  url.searchParams.set('digest', b.digest);
  const put = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(b.data.length) },
    body: b.data,
  });
  await expectStatus(put, [201], `PUT blob ${b.digest}`);
}

/** Pushes the image to the registry at `registry` (host:port, plain HTTP); returns `registry/repo:tag`. */
export async function pushImage(registry: string, img: BuiltImage): Promise<string> {
  const base = `http://${registry}`;
  await pushBlob(base, img.repo, img.layer);
  await pushBlob(base, img.repo, img.config);
  const put = await fetch(`${base}/v2/${img.repo}/manifests/${img.tag}`, {
    method: 'PUT',
    headers: { 'content-type': MANIFEST_TYPE },
    body: img.manifest.data,
  });
  await expectStatus(put, [201], `PUT manifest ${img.repo}:${img.tag}`);
  return `${registry}/${img.repo}:${img.tag}`;
}

/** Builds (once) and pushes both test images; returns their references. */
export async function pushTestImages(registry: string): Promise<{ readonly busybox: string; readonly pause: string }> {
  const imgs = await buildTestImages();
  const refs = await Promise.all(imgs.map((i) => pushImage(registry, i)));
  const [busybox, pause] = refs;
  if (busybox === undefined || pause === undefined) throw new Error('test images missing');
  return { busybox, pause };
}
