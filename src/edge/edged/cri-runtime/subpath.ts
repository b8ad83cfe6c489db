/**
 * volumeMounts[].subPath on the host, safely (the CVE-2017-1002101 class): the runtime follows
 * symlinks when it bind-mounts, and a container can write symlinks into its own volumes, so a
 * subPath is resolved here (every symlink followed) and refused unless it stays inside the volume.
 * A missing subPath directory is created inside the volume one component at a time, never through a
 * symlink. What reaches the runtime is the resolved path, which holds no symlink.
 *
 * Residual window: a container that swaps a directory of the resolved path for a symlink between
 * this check and the runtime's mount can still redirect it (kubelet closes that window by mounting an
 * open file descriptor, which needs mount privileges we do not use).
 */
import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { KeError } from '../../../base/index.js';

export const SubPathErrorCode = {
  invalid: 'KE_EDGED_SUBPATH_INVALID',
} as const;

const invalid = (message: string, details: Record<string, unknown>): KeError => new KeError(SubPathErrorCode.invalid, message, { details });

/** The syntax kubelet validates: relative, no `..` component. Throws KE_EDGED_SUBPATH_INVALID. */
export function checkSubPathSyntax(sub: string): void {
  if (isAbsolute(sub)) throw invalid(`subPath "${sub}" must be a relative path`, { subPath: sub });
  if (sub.split('/').includes('..')) throw invalid(`subPath "${sub}" must not contain '..'`, { subPath: sub });
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

const code = (err: unknown): string | undefined => (err instanceof Error && 'code' in err ? String(err.code) : undefined);

/** Creates `sub` below `root` (a resolved directory) one component at a time; a component that is not a real directory stops it. */
function makeDirsInside(root: string, sub: string): void {
  let cur = root;
  for (const part of sub.split('/').filter((x) => x !== '' && x !== '.')) {
    const next = join(cur, part);
    try {
      mkdirSync(next, { mode: 0o750 });
    } catch (err) {
      if (code(err) !== 'EEXIST') throw err;
    }
    // mkdir never follows a symlink in the last component; lstat tells what is there now.
    const st = lstatSync(next);
    if (!st.isSymbolicLink()) {
      if (!st.isDirectory()) return;
      cur = next;
      continue;
    }
    let real: string;
    try {
      real = realpathSync(next);
    } catch {
      throw invalid(`subPath "${sub}" goes through the dangling symlink "${part}"`, { subPath: sub });
    }
    if (!inside(root, real)) throw invalid(`subPath "${sub}" leaves its volume through the symlink "${part}"`, { subPath: sub, target: real });
    if (!lstatSync(real).isDirectory()) return;
    cur = real;
  }
}

/**
 * The host path to mount for `sub` inside the volume directory `volumeDir`: symlinks resolved, and
 * inside the volume's own resolved path. Creates a missing subPath directory. Throws
 * KE_EDGED_SUBPATH_INVALID when the subPath leaves the volume (or is not a relative path).
 */
export function resolveSubPath(volumeDir: string, sub: string): string {
  checkSubPathSyntax(sub);
  const root = realpathSync(volumeDir);
  let target: string;
  try {
    target = realpathSync(join(root, sub));
  } catch (err) {
    if (code(err) !== 'ENOENT') throw err;
    makeDirsInside(root, sub);
    try {
      target = realpathSync(join(root, sub));
    } catch (again) {
      throw invalid(`subPath "${sub}" could not be created in its volume: ${again instanceof Error ? again.message : String(again)}`, { subPath: sub });
    }
  }
  if (!inside(root, target)) throw invalid(`subPath "${sub}" resolves to ${target}, outside of its volume`, { subPath: sub, target });
  return target;
}
