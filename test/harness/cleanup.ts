/**
 * Cleanup plumbing shared by every harness helper.
 *
 * A helper that owns a resource (a temp dir, a child process) registers its async cleanup with the
 * test that asked for it (`owner`: a node:test `TestContext`, or `{ after }` from node:test inside a
 * `describe`). Independently, every live resource is tracked here so that a test file that dies or
 * forgets to clean up never leaves a server running: on process exit the survivors are SIGKILLed
 * and their temp dirs removed, synchronously.
 */
import { rmSync } from 'node:fs';

/** Anything with node:test's `after(fn)`: a TestContext, a SuiteContext hook holder, or `{ after }`. */
export interface CleanupOwner {
  after(fn: () => unknown): void;
}

type SyncCleanup = () => void;

const exitCleanups = new Map<number, SyncCleanup>();
let nextId = 1;
let hooked = false;

function runAll(): void {
  // Later resources first (ids ascend): processes started in a dir go before the dir.
  const entries = [...exitCleanups.entries()].sort((a, b) => b[0] - a[0]);
  exitCleanups.clear();
  for (const [, fn] of entries) {
    try {
      fn();
    } catch {
      // best effort at exit
    }
  }
}

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', runAll);
  // Dying by a signal skips 'exit': clean up, then exit with the conventional status.
  for (const [sig, num] of Object.entries(SIGNALS)) {
    process.once(sig, () => {
      runAll();
      process.exit(128 + num);
    });
  }
}

/** Registers a synchronous last-resort cleanup; returns the function that unregisters it. */
export function onExitCleanup(fn: SyncCleanup): () => void {
  hookExit();
  const id = nextId++;
  exitCleanups.set(id, fn);
  return () => {
    exitCleanups.delete(id);
  };
}

/** Whether temp dirs should be kept for debugging (`KEEP_TEST_DIRS=1`). */
export function keepTestDirs(): boolean {
  const v = process.env['KEEP_TEST_DIRS'];
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

export function removeDirSync(dir: string): void {
  if (keepTestDirs()) return;
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
