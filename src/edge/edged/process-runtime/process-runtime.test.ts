import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFakeClock } from '../../../beehive/index.js';
import { testObjects } from '../pod-prep/test-objects.js';
import { createProcessRuntime } from './process-runtime.js';
import { container, exitCode, lastExitCode, makePod, readText, rtOptions, sh, shutdown, tempRoot, waitFor } from './test-helpers.js';

const FAST = { initialMs: 20, maxMs: 100 };

test('env, working dir, volume files and the CRI log; exit 0 is Completed', async () => {
  const rootDir = tempRoot();
  const objects = testObjects();
  objects.putConfigMap('ns1', 'c', { 'a.txt': 'from-configmap' });
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST, objects }));
  const env = [
    { name: 'FOO', value: 'bar' },
    { name: 'BOTH', value: '$(FOO)-x' },
    { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
    { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  ];
  const script = 'pwd; echo "$FOO $BOTH $NAME $NS $UID $IP $NODE"; cat etc/cfg/a.txt; echo; printf partial; echo oops >&2';
  const pod = makePod('u1', [sh('main', script, { env, volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }] })], {
    restartPolicy: 'Never',
    volumes: [{ name: 'cfg', configMap: { name: 'c' } }],
  });
  await rt.syncPod(pod);
  await waitFor(() => rt.podStatus(pod)?.phase === 'Succeeded', 'Succeeded');
  const c = container(rt, pod, 'main');
  assert.equal(exitCode(c), 0);
  assert.equal(c !== undefined && 'terminated' in c.state ? c.state.terminated.reason : '', 'Completed');
  assert.equal(rt.podStatus(pod)?.podIP, '10.0.0.9');
  const podDir = join(rootDir, 'pods', 'u1');
  await waitFor(() => readText(join(podDir, 'logs', 'main', '0.log')).includes('oops'), 'log flushed');
  const lines = readFileSync(join(podDir, 'logs', 'main', '0.log'), 'utf8').trimEnd().split('\n');
  for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) F /);
  const text = lines.map((l) => l.split(' ').slice(1).join(' '));
  assert.ok(text.includes(`stdout F ${join(podDir, 'containers', 'main')}`));
  assert.ok(text.includes('stdout F bar bar-x pod-u1 ns1 u1 10.0.0.9 edge-1'));
  assert.ok(text.includes('stdout F from-configmap'));
  assert.ok(text.includes('stdout F partial'));
  assert.ok(text.includes('stderr F oops'));
  await shutdown(rt, pod);
});

test('a non-zero exit is Error; Never stays terminated', async () => {
  const rt = createProcessRuntime(rtOptions(tempRoot(), { backoff: FAST }));
  const pod = makePod('u2', [sh('main', 'exit 3')], { restartPolicy: 'Never' });
  await rt.syncPod(pod);
  await waitFor(() => rt.podStatus(pod)?.phase === 'Failed', 'Failed');
  const c = container(rt, pod, 'main');
  assert.equal(exitCode(c), 3);
  assert.equal(c !== undefined && 'terminated' in c.state ? c.state.terminated.reason : '', 'Error');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(container(rt, pod, 'main')?.restartCount, 0);
  assert.equal(rt.podStatus(pod)?.phase, 'Failed');
  await shutdown(rt, pod);
});

test('Always restarts with a doubling backoff on the injected clock and counts restarts', async () => {
  const clock = createFakeClock(Date.UTC(2026, 0, 1));
  const rt = createProcessRuntime(rtOptions(tempRoot(), { clock }));
  const pod = makePod('u3', [sh('main', 'exit 0')]);
  const changes: string[] = [];
  rt.onChange((uid) => changes.push(uid));
  await rt.syncPod(pod);
  await waitFor(() => lastExitCode(container(rt, pod, 'main')) === 0, 'first exit');
  assert.equal(rt.podStatus(pod)?.phase, 'Running');
  await clock.advance(9_999);
  assert.equal(container(rt, pod, 'main')?.restartCount, 0);
  await clock.advance(1);
  assert.equal(container(rt, pod, 'main')?.restartCount, 1);
  await waitFor(() => container(rt, pod, 'main')?.lastState !== undefined && 'waiting' in (container(rt, pod, 'main')?.state ?? {}) && clock.pending() > 0, 'second exit');
  await clock.advance(19_999);
  assert.equal(container(rt, pod, 'main')?.restartCount, 1);
  await clock.advance(1);
  assert.equal(container(rt, pod, 'main')?.restartCount, 2);
  assert.ok(changes.every((u) => u === 'u3') && changes.length > 0);
  await shutdown(rt, pod);
});

test('OnFailure restarts a failing container but not a succeeded one', async () => {
  const rt = createProcessRuntime(rtOptions(tempRoot(), { backoff: FAST }));
  const pod = makePod('u4', [sh('ok', 'exit 0'), sh('bad', 'exit 2')], { restartPolicy: 'OnFailure' });
  await rt.syncPod(pod);
  await waitFor(() => (container(rt, pod, 'bad')?.restartCount ?? 0) >= 2, 'bad restarted');
  assert.equal(container(rt, pod, 'ok')?.restartCount, 0);
  assert.equal(exitCode(container(rt, pod, 'ok')), 0);
  await shutdown(rt, pod);
});

test('an empty command is Waiting CommandRequired', async () => {
  const rt = createProcessRuntime(rtOptions(tempRoot(), { backoff: FAST }));
  const pod = makePod('u5', [{ name: 'main', image: 'x' }]);
  await rt.syncPod(pod);
  assert.deepEqual(container(rt, pod, 'main')?.state, { waiting: { reason: 'CommandRequired' } });
  assert.equal(rt.podStatus(pod)?.phase, 'Pending');
  await shutdown(rt, pod);
});

test('a missing command ends with exit 127 and an unknown pod has no status', async () => {
  const rt = createProcessRuntime(rtOptions(tempRoot(), { backoff: FAST }));
  const pod = makePod('u6', [{ name: 'main', command: ['/nonexistent/binary'] }], { restartPolicy: 'Never' });
  assert.equal(rt.podStatus(pod), undefined);
  await rt.syncPod(pod);
  await waitFor(() => rt.podStatus(pod)?.phase === 'Failed', 'Failed');
  assert.equal(exitCode(container(rt, pod, 'main')), 127);
  await shutdown(rt, pod);
});
