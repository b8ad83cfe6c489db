/**
 * kubelet's atomic writer layout, so a running container sees updates in place through a bind mount
 * of the volume directory:
 *
 *   <dir>/..2026_11_27_17_16_26.AbC123/   the files of one version
 *   <dir>/..data -> ..2026_11_27_17_16_26.AbC123
 *   <dir>/<key>  -> ..data/<key>          (the first path component of every file)
 *
 * An update writes a new timestamped directory, renames a temporary `..data_tmp` symlink over
 * `..data` (atomic), then drops user-visible links no longer in the payload and the old directory.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface FileProjection {
  readonly data: Buffer;
  /** Permission bits, e.g. 0o644. */
  readonly mode: number;
}

const DATA = '..data';
const DATA_TMP = '..data_tmp';

/** Why `path` may not be a file of a volume (absolute, `..`, empty components); undefined when fine. */
export function badPath(path: string): string | undefined {
  if (path === '') return 'empty path';
  if (path.startsWith('/')) return `absolute path ${JSON.stringify(path)}`;
  if (path.length > 4096) return 'path too long';
  const parts = path.split('/');
  if (parts.includes('..')) return `path ${JSON.stringify(path)} contains '..'`;
  if (path.startsWith('..')) return `path ${JSON.stringify(path)} starts with '..'`;
  if (parts.some((p) => p === '' || p === '.')) return `path ${JSON.stringify(path)} has an empty or '.' component`;
  return undefined;
}

/**
 * A path that is both a file and the parent of another file (`a` and `a/b`): no layout can hold both.
 * Undefined when there is none.
 */
export function pathClash(paths: Iterable<string>): string | undefined {
  const all = new Set(paths);
  for (const p of all) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (all.has(parent)) return `path ${JSON.stringify(p)} is under file ${JSON.stringify(parent)}`;
    }
  }
  return undefined;
}

/** True when `<dir>/<top>` is the link `..data/<top>`. */
function linked(dir: string, top: string): boolean {
  try {
    return readlinkSync(join(dir, top)) === join(DATA, top);
  } catch {
    return false;
  }
}

/** Every file under `dir`, relative paths with `/`. */
function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out;
}

function sameContent(dataDir: string, payload: ReadonlyMap<string, FileProjection>): boolean {
  let files: string[];
  try {
    files = listFiles(dataDir);
  } catch {
    return false;
  }
  if (files.length !== payload.size) return false;
  for (const f of files) {
    const want = payload.get(f);
    if (want === undefined) return false;
    const p = join(dataDir, f);
    if ((statSync(p).mode & 0o7777) !== want.mode) return false;
    if (!readFileSync(p).equals(want.data)) return false;
  }
  return true;
}

function topLevel(paths: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of paths) out.add(p.split('/')[0] ?? p);
  return out;
}

function timestampPrefix(now: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const d = `${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}`;
  const t = `${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}`;
  return `..${d}_${t}.`;
}

/**
 * Makes `dir` hold exactly `payload` (paths already checked with badPath). Returns false when the
 * content (bytes and modes) was already there and nothing was written.
 */
export function writeAtomic(dir: string, payload: ReadonlyMap<string, FileProjection>): boolean {
  for (const p of payload.keys()) {
    const bad = badPath(p);
    if (bad !== undefined) throw new Error(`atomic writer: ${bad}`);
  }
  const clash = pathClash(payload.keys());
  if (clash !== undefined) throw new Error(`atomic writer: ${clash}`);
  mkdirSync(dir, { recursive: true });
  const dataLink = join(dir, DATA);
  let oldTs: string | undefined;
  try {
    oldTs = readlinkSync(dataLink);
  } catch {
    oldTs = undefined;
  }
  const wanted = topLevel(payload.keys());
  const oldTop = oldTs === undefined ? new Set<string>() : safeTopLevel(join(dir, oldTs));
  const linksOk = [...wanted].every((t) => linked(dir, t));
  if (oldTs !== undefined && linksOk && sameContent(join(dir, oldTs), payload)) return false;

  const tsDir = mkdtempSync(join(dir, timestampPrefix(new Date())));
  const tmpLink = join(dir, DATA_TMP);
  try {
    chmodSync(tsDir, 0o755);
    for (const [p, f] of payload) {
      const file = join(tsDir, p);
      mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
      writeFileSync(file, f.data);
      chmodSync(file, f.mode);
    }
    rmSync(tmpLink, { force: true });
    symlinkSync(basename(tsDir), tmpLink);
    renameSync(tmpLink, dataLink);
  } catch (err) {
    // ..data still names the previous version: the half-written one must not pile up (one per resync)
    rmSync(tmpLink, { force: true });
    rmSync(tsDir, { recursive: true, force: true });
    throw err;
  }
  for (const t of wanted) {
    if (linked(dir, t)) continue;
    rmSync(join(dir, t), { recursive: true, force: true });
    symlinkSync(join(DATA, t), join(dir, t));
  }
  for (const t of oldTop) if (!wanted.has(t)) rmSync(join(dir, t), { force: true });
  if (oldTs !== undefined && oldTs !== basename(tsDir) && oldTs.startsWith('..') && !oldTs.includes('/')) {
    rmSync(join(dir, oldTs), { recursive: true, force: true });
  }
  return true;
}

function safeTopLevel(dataDir: string): Set<string> {
  try {
    return new Set(readdirSync(dataDir));
  } catch {
    return new Set();
  }
}
