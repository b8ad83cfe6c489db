import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { keepTestDirs, onExitCleanup, removeDirSync, type CleanupOwner } from './cleanup.js';

export interface TempDirOptions {
  /** Part of the directory name, to tell test dirs apart in /tmp. */
  readonly prefix?: string;
  /** The test (or suite) whose end removes the directory. Without it, it goes at process exit. */
  readonly owner?: CleanupOwner;
}

export interface TempDir {
  readonly path: string;
  /** Removes it now (unless KEEP_TEST_DIRS=1). Idempotent. */
  remove(): Promise<void>;
}

/** Like `tempDir`, but hands back the remover so the caller can order cleanups itself. */
export async function createTempDir(opts: TempDirOptions = {}): Promise<TempDir> {
  const prefix = (opts.prefix ?? 'test').replace(/[^a-zA-Z0-9_-]/g, '-');
  const dir = await mkdtemp(path.join(tmpdir(), `kubeedge-ts-${prefix}-`));
  const unregister = onExitCleanup(() => removeDirSync(dir));
  const handle: TempDir = {
    path: dir,
    remove: async () => {
      unregister();
      if (!keepTestDirs()) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
  opts.owner?.after(() => handle.remove());
  return handle;
}

/**
 * A fresh directory under the OS temp dir, removed when `owner` ends (or at process exit).
 * Set `KEEP_TEST_DIRS=1` to keep them for a post-mortem.
 */
export async function tempDir(opts: TempDirOptions = {}): Promise<string> {
  return (await createTempDir(opts)).path;
}

/** True when the file (or directory) exists. */
export async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
