import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerStatusReport } from '../runtime.js';
import { createProcessRuntime } from './process-runtime.js';
import { currentBootId } from './saved-state.js';
import { alive, container, makePod, rtOptions, sh, shutdown, tempRoot, waitFor } from './test-helpers.js';

const FAST = { initialMs: 20, maxMs: 100 };

function pidOf(c: ContainerStatusReport | undefined): number {
  const pid = Number(c?.containerID.split('/').pop());
  assert.ok(Number.isInteger(pid) && pid > 0, `pid in ${c?.containerID ?? '?'}`);
  return pid;
}

const running = (c: ContainerStatusReport | undefined): boolean => c !== undefined && 'running' in c.state;

test('a killed pod synced again with the same UID (a static pod manifest moved out and back) runs again', async () => {
  const rt = createProcessRuntime(rtOptions(tempRoot(), { backoff: FAST }));
  const pod = makePod('st1', [sh('main', 'exec sleep 60')]);
  await rt.syncPod(pod);
  await waitFor(() => running(container(rt, pod, 'main')), 'running');
  const first = pidOf(container(rt, pod, 'main'));
  await rt.killPod(pod, 1);
  assert.ok(!alive(first));
  assert.ok(container(rt, pod, 'main') !== undefined && 'terminated' in (container(rt, pod, 'main')?.state ?? {}));
  await rt.syncPod(pod);
  await waitFor(() => running(container(rt, pod, 'main')), 'running again');
  const second = pidOf(container(rt, pod, 'main'));
  assert.notEqual(second, first);
  assert.equal(container(rt, pod, 'main')?.restartCount, 0, 'a fresh pod, not a restart');
  assert.equal(rt.podStatus(pod)?.phase, 'Running');

  // synced while the kill is still running: waits for it, then starts afresh
  const killing = rt.killPod(pod, 5);
  const syncing = rt.syncPod(pod);
  await Promise.all([killing, syncing]);
  assert.ok(!alive(second));
  await waitFor(() => running(container(rt, pod, 'main')), 'running a third time');
  assert.ok(![first, second].includes(pidOf(container(rt, pod, 'main'))));
  await shutdown(rt, pod);
});

test('a saved run from another boot is not re-adopted: ContainerStatusUnknown, then restarted', async () => {
  const boot = currentBootId();
  assert.ok(boot !== undefined && boot !== '', 'this host has /proc/sys/kernel/random/boot_id');
  const rootDir = tempRoot();
  const pod = makePod('bt1', [sh('main', 'exec sleep 60')]);
  const rt1 = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  await rt1.syncPod(pod);
  await waitFor(() => running(container(rt1, pod, 'main')), 'running');
  const pid = pidOf(container(rt1, pod, 'main'));
  await rt1.stop();
  const statePath = join(rootDir, 'pods', 'bt1', 'state', 'main.json');
  const saved = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>;
  assert.equal(saved['bootId'], boot, 'the boot id is saved with the run');
  assert.equal(saved['pid'], pid);
  // as after a reboot: same pid and /proc start time (the process is still here), another boot id
  writeFileSync(statePath, JSON.stringify({ ...saved, bootId: '00000000-0000-0000-0000-000000000000' }));
  const rt2 = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  try {
    await rt2.start();
    const lost = container(rt2, pod, 'main');
    assert.ok(lost?.lastState !== undefined && 'terminated' in lost.lastState, 'not re-adopted');
    assert.equal(lost.lastState.terminated.reason, 'ContainerStatusUnknown');
    await rt2.syncPod(pod);
    await waitFor(() => running(container(rt2, pod, 'main')) && container(rt2, pod, 'main')?.restartCount === 1, 'restarted');
    assert.notEqual(pidOf(container(rt2, pod, 'main')), pid);
    await shutdown(rt2, pod);
  } finally {
    // the "previous boot's" process is ours: nobody else ends it
    process.kill(-pid, 'SIGKILL');
  }
});
