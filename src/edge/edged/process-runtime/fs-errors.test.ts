import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createProcessRuntime } from './process-runtime.js';
import { captureLogger, container, exitCode, makePod, readText, rtOptions, sh, shutdown, tempRoot, waitFor } from './test-helpers.js';

const FAST = { initialMs: 20, maxMs: 100 };

/**
 * chattr on PATH (src tests cannot use test/harness: the same rule as its requireTool): missing, it
 * fails under CI=true, else the test skips with the install command.
 */
function chattrPath(): { path: string } | { skip: string } {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, 'chattr'), constants.X_OK);
      return { path: join(dir, 'chattr') };
    } catch {
      // not here
    }
  }
  const hint = 'chattr not found; install it with: apt-get install -y e2fsprogs';
  const ci = process.env['CI'];
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') throw new Error(hint);
  process.stderr.write(`skipping: ${hint}\n`);
  return { skip: hint };
}

function waitingReason(c: ReturnType<typeof container>): string | undefined {
  return c !== undefined && 'waiting' in c.state ? c.state.waiting.reason : undefined;
}

test('a CRI log that cannot be written is logged, never thrown: the container runs on and ends normally', async () => {
  const rootDir = tempRoot();
  const cap = captureLogger();
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST, log: cap.log }));
  const pod = makePod('f1', [sh('main', 'echo before; while [ ! -f go ]; do echo tick; sleep 0.02; done; echo after')], { restartPolicy: 'Never' });
  await rt.syncPod(pod);
  const log = join(rootDir, 'pods', 'f1', 'logs', 'main', '0.log');
  await waitFor(() => readText(log).includes('stdout F before'), 'first line copied');
  // the log path becomes a directory: every append fails (EISDIR), as with a full disk
  rmSync(log);
  mkdirSync(log);
  await waitFor(() => cap.messages().includes('container log not copied'), 'the failed copy logged');
  // the exit handler copies the rest (fails again) and must still report the end
  writeFileSync(join(rootDir, 'pods', 'f1', 'containers', 'main', 'go'), '');
  await waitFor(() => rt.podStatus(pod)?.phase === 'Succeeded', 'Succeeded');
  assert.equal(exitCode(container(rt, pod, 'main')), 0);
  rmSync(log, { recursive: true });
  await shutdown(rt, pod);
});

test('a run whose output files cannot be opened waits as RunContainerError and is retried after the back-off', async () => {
  const rootDir = tempRoot();
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  const logDir = join(rootDir, 'pods', 'f2', 'logs', 'main');
  // directories where runs 1..3 want their raw output file: openSync fails (EISDIR)
  const blockers = [1, 2, 3].map((n) => join(logDir, `${n}.stdout.raw`));
  for (const b of blockers) mkdirSync(b, { recursive: true });
  const pod = makePod('f2', [sh('main', 'echo ran; exit 1')]);
  await rt.syncPod(pod);
  await waitFor(() => waitingReason(container(rt, pod, 'main')) === 'RunContainerError', 'RunContainerError');
  const c = container(rt, pod, 'main');
  assert.ok(c !== undefined && 'waiting' in c.state);
  assert.match(c.state.waiting.message ?? '', /EISDIR/);
  assert.ok(c.lastState !== undefined && 'terminated' in c.lastState && c.lastState.terminated.exitCode === 1, 'lastState: the run that did start');
  for (const b of blockers) rmSync(b, { recursive: true });
  // retried after the back-off: runs again, exits 1 again
  await waitFor(() => (container(rt, pod, 'main')?.restartCount ?? 0) >= 3 && readText(join(logDir, `${container(rt, pod, 'main')?.restartCount ?? 0}.log`)).includes('stdout F ran'), 'a later run');
  await shutdown(rt, pod);
});

test('restartPolicy Never: a run that cannot be started ends as StartError (exit 128), the pod Failed', async () => {
  const rootDir = tempRoot();
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  mkdirSync(join(rootDir, 'pods', 'f3', 'logs', 'main', '0.stderr.raw'), { recursive: true });
  const pod = makePod('f3', [sh('main', 'exit 0')], { restartPolicy: 'Never' });
  await rt.syncPod(pod);
  await waitFor(() => rt.podStatus(pod)?.phase === 'Failed', 'Failed');
  const c = container(rt, pod, 'main');
  assert.ok(c !== undefined && 'terminated' in c.state);
  assert.equal(c.state.terminated.exitCode, 128);
  assert.equal(c.state.terminated.reason, 'StartError');
  await shutdown(rt, pod);
});

test('removeOrphans resolves when a pod directory cannot be removed (it is logged and left)', async (t) => {
  const chattr = chattrPath();
  if ('skip' in chattr) {
    t.skip(chattr.skip);
    return;
  }
  const rootDir = tempRoot();
  const cap = captureLogger();
  const stuck = join(rootDir, 'pods', 'stale', 'pinned');
  mkdirSync(join(rootDir, 'pods', 'stale'), { recursive: true });
  writeFileSync(stuck, '');
  // an immutable file: rm fails with EPERM even for root
  execFileSync(chattr.path, ['+i', stuck]);
  try {
    const rt = createProcessRuntime(rtOptions(rootDir, { log: cap.log }));
    await rt.start();
    await rt.removeOrphans(new Set());
    assert.ok(existsSync(stuck));
    assert.ok(cap.messages().includes('pod directory not removed'));
    await rt.stop();
  } finally {
    execFileSync(chattr.path, ['-i', stuck]);
  }
});
