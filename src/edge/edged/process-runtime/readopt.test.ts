import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testObjects } from '../pod-prep/test-objects.js';
import type { ContainerStatusReport } from '../runtime.js';
import { createProcessRuntime } from './process-runtime.js';
import { procStartTime, processAlive } from './saved-state.js';
import { alive, container, makePod, readText, rtOptions, sh, shutdown, tempRoot, waitFor } from './test-helpers.js';

const FAST = { initialMs: 20, maxMs: 100 };

function pidOf(c: ContainerStatusReport | undefined): number {
  const pid = Number(c?.containerID.split('/').pop());
  assert.ok(Number.isInteger(pid) && pid > 0, `pid in ${c?.containerID ?? '?'}`);
  return pid;
}

function running(c: ContainerStatusReport | undefined): boolean {
  return c !== undefined && 'running' in c.state;
}

test('stop() leaves the process running; a new runtime re-adopts it with the same pid, restartCount and log offset', async () => {
  const rootDir = tempRoot();
  const script = 'echo one; while [ ! -f go ]; do sleep 0.05; done; echo two; exec sleep 60';
  const pod = makePod('a1', [sh('main', script)]);
  const rt1 = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  await rt1.start();
  await rt1.syncPod(pod);
  const log = join(rootDir, 'pods', 'a1', 'logs', 'main', '0.log');
  await waitFor(() => readText(log).includes('stdout F one'), 'first line copied');
  const before = container(rt1, pod, 'main');
  const pid = pidOf(before);
  await rt1.stop();
  assert.ok(alive(pid), 'still running after stop()');
  // output written while nobody watches
  writeFileSync(join(rootDir, 'pods', 'a1', 'containers', 'main', 'go'), '');
  await waitFor(() => readText(join(rootDir, 'pods', 'a1', 'logs', 'main', '0.stdout.raw')).includes('two'), 'raw output');

  const rt2 = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  await rt2.start();
  const adopted = container(rt2, pod, 'main');
  assert.ok(running(adopted));
  assert.equal(adopted?.containerID, before?.containerID);
  await rt2.syncPod(pod);
  const after = container(rt2, pod, 'main');
  assert.equal(after?.containerID, before?.containerID);
  assert.equal(after?.restartCount, 0);
  assert.equal(rt2.podStatus(pod)?.phase, 'Running');
  assert.equal(rt2.containerLogPath('a1', 'main'), log);
  await waitFor(() => readText(log).includes('stdout F two'), 'resumed log copy');
  const lines = readText(log).trimEnd().split('\n');
  assert.equal(lines.filter((l) => l.endsWith(' one')).length, 1, 'nothing copied twice');
  assert.equal(lines.filter((l) => l.endsWith(' two')).length, 1);
  // killing an adopted process: found gone by polling, not restarted after killPod
  await rt2.killPod(pod, 5);
  assert.ok(!alive(pid));
  const killed = container(rt2, pod, 'main');
  assert.ok(killed !== undefined && 'terminated' in killed.state && killed.state.terminated.exitCode === 143);
  await rt2.stop();
});

test('a process killed while the runtime was stopped is reported ContainerStatusUnknown and restarted after start()', async () => {
  const rootDir = tempRoot();
  const pod = makePod('a2', [sh('main', 'exec sleep 60')]);
  const rt1 = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  await rt1.syncPod(pod);
  await waitFor(() => running(container(rt1, pod, 'main')), 'running');
  const pid = pidOf(container(rt1, pod, 'main'));
  await rt1.stop();
  process.kill(-pid, 'SIGKILL');
  await waitFor(() => !alive(pid), 'killed');

  const rt2 = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  await rt2.start();
  const lost = container(rt2, pod, 'main');
  assert.ok(lost?.lastState !== undefined && 'terminated' in lost.lastState);
  assert.equal(lost.lastState.terminated.reason, 'ContainerStatusUnknown');
  assert.equal(lost.lastState.terminated.exitCode, 137);
  await rt2.syncPod(pod);
  await waitFor(() => running(container(rt2, pod, 'main')) && container(rt2, pod, 'main')?.restartCount === 1, 'restarted');
  assert.notEqual(pidOf(container(rt2, pod, 'main')), pid);
  await shutdown(rt2, pod);
});

test('removeOrphans kills re-adopted pods that are not kept and removes their directories', async () => {
  const rootDir = tempRoot();
  const keep = makePod('o1', [sh('main', 'exec sleep 60')]);
  const orphan = makePod('o2', [sh('main', 'exec sleep 60')]);
  const rt1 = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  await rt1.syncPod(keep);
  await rt1.syncPod(orphan);
  await waitFor(() => running(container(rt1, keep, 'main')) && running(container(rt1, orphan, 'main')), 'running');
  const orphanPid = pidOf(container(rt1, orphan, 'main'));
  const keptPid = pidOf(container(rt1, keep, 'main'));
  await rt1.stop();
  const rt2 = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  await rt2.start();
  await rt2.removeOrphans(new Set(['o1']));
  assert.ok(!alive(orphanPid));
  assert.ok(!existsSync(join(rootDir, 'pods', 'o2')));
  assert.equal(rt2.podStatus(orphan), undefined);
  assert.ok(alive(keptPid));
  assert.equal(pidOf(container(rt2, keep, 'main')), keptPid);
  await shutdown(rt2, keep);
});

test('a ConfigMap update reaches the file a running process reads through its linked mount path', async () => {
  const rootDir = tempRoot();
  const objects = testObjects();
  objects.putConfigMap('ns1', 'cfg', { mode: 'v1' });
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST, objects }));
  const script = 'while true; do cat etc/app/mode > seen.tmp && mv seen.tmp seen; sleep 0.05; done';
  const pod = makePod('cm1', [sh('main', script, { volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }] })], { volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }] });
  await rt.syncPod(pod);
  const cwd = join(rootDir, 'pods', 'cm1', 'containers', 'main');
  await waitFor(() => readText(join(cwd, 'seen')) === 'v1', 'v1 seen');
  const pid = pidOf(container(rt, pod, 'main'));
  objects.putConfigMap('ns1', 'cfg', { mode: 'v2' });
  await rt.syncPod(pod);
  assert.equal(readFileSync(join(cwd, 'etc', 'app', 'mode'), 'utf8'), 'v2');
  await waitFor(() => readText(join(cwd, 'seen')) === 'v2', 'v2 seen by the process');
  assert.equal(pidOf(container(rt, pod, 'main')), pid, 'not restarted');
  await shutdown(rt, pod);
});

test('processAlive tells a reused pid by its /proc start time', { skip: !existsSync('/proc/self/stat') }, () => {
  const start = procStartTime(process.pid);
  assert.ok(start !== undefined && /^\d+$/.test(start));
  assert.equal(processAlive(process.pid, start), true);
  assert.equal(processAlive(process.pid, `${start}1`), false);
});
