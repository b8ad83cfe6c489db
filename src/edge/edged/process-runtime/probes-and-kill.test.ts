import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createProcessRuntime } from './process-runtime.js';
import { alive, container, exitCode, freePort, lastExitCode, makePod, readText, rtOptions, sh, shutdown, tempRoot, waitFor } from './test-helpers.js';

const FAST = { initialMs: 20, maxMs: 100 };
const probe = { periodSeconds: 0.05, failureThreshold: 2, timeoutSeconds: 1 };


test('a failing liveness probe kills and restarts the container', async () => {
  const rt = createProcessRuntime(rtOptions(tempRoot(), { backoff: FAST }));
  const pod = makePod('l1', [sh('main', 'exec sleep 60', { livenessProbe: { ...probe, exec: { command: ['/bin/sh', '-c', 'exit 1'] } } })]);
  await rt.syncPod(pod);
  await waitFor(() => lastExitCode(container(rt, pod, 'main')) === 137, 'killed by liveness');
  await waitFor(() => (container(rt, pod, 'main')?.restartCount ?? 0) >= 1, 'restarted');
  await shutdown(rt, pod);
});

test('readiness follows exec, httpGet and tcpSocket probes', async () => {
  const port = await freePort();
  const server = `require('http').createServer((q, s) => { s.statusCode = q.url === '/ok' ? 204 : 500; s.end(); }).listen(${port}, '127.0.0.1')`;
  const rt = createProcessRuntime(rtOptions(tempRoot(), { backoff: FAST }));
  const pod = makePod('r1', [
    { name: 'web', command: [process.execPath, '-e', server], ports: [{ name: 'http', containerPort: port }], readinessProbe: { ...probe, httpGet: { path: '/ok', port: 'http' } } },
    sh('bad-http', 'exec sleep 60', { readinessProbe: { ...probe, httpGet: { path: '/bad', port } } }),
    sh('tcp', 'exec sleep 60', { readinessProbe: { ...probe, tcpSocket: { port } } }),
    sh('exec-ok', 'exec sleep 60', { readinessProbe: { ...probe, exec: { command: ['/bin/sh', '-c', 'exit 0'] } } }),
    sh('exec-bad', 'exec sleep 60', { readinessProbe: { ...probe, exec: { command: ['/bin/sh', '-c', 'exit 1'] } } }),
    sh('plain', 'exec sleep 60'),
  ]);
  await rt.syncPod(pod);
  const ready = (n: string): boolean | undefined => container(rt, pod, n)?.ready;
  await waitFor(() => ready('web') === true && ready('tcp') === true && ready('exec-ok') === true && ready('plain') === true, 'ready');
  // give the failing probes several periods after the server is up
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(ready('bad-http'), false);
  assert.equal(ready('exec-bad'), false);
  assert.equal(container(rt, pod, 'exec-bad')?.started, true);
  assert.equal(rt.podStatus(pod)?.phase, 'Running');
  await shutdown(rt, pod);
});

test('init containers run in order, each to exit 0, before the app containers', async () => {
  const rootDir = tempRoot();
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  const pod = makePod('i1', [sh('app', 'echo c >> ../../order; exec sleep 60')], {
    initContainers: [sh('one', 'sleep 0.1; echo a >> ../../order'), sh('two', 'echo b >> ../../order')],
  });
  await rt.syncPod(pod);
  assert.equal(rt.podStatus(pod)?.phase, 'Pending');
  await waitFor(() => container(rt, pod, 'app')?.started === true, 'app running');
  await waitFor(() => readText(join(rootDir, 'pods', 'i1', 'order')) === 'a\nb\nc\n', 'order file');
  assert.equal(rt.podStatus(pod)?.phase, 'Running');
  assert.equal(exitCode(container(rt, pod, 'one')), 0);
  assert.equal(exitCode(container(rt, pod, 'two')), 0);
  await shutdown(rt, pod);
});

test('a failed init container with Never fails the pod and starts nothing else', async () => {
  const rt = createProcessRuntime(rtOptions(tempRoot(), { backoff: FAST }));
  const pod = makePod('i2', [sh('app', 'exec sleep 60')], { restartPolicy: 'Never', initContainers: [sh('one', 'exit 4'), sh('two', 'exit 0')] });
  await rt.syncPod(pod);
  await waitFor(() => rt.podStatus(pod)?.phase === 'Failed', 'Failed');
  assert.equal(exitCode(container(rt, pod, 'one')), 4);
  assert.deepEqual(container(rt, pod, 'two')?.state, { waiting: { reason: 'ContainerCreating' } });
  assert.deepEqual(container(rt, pod, 'app')?.state, { waiting: { reason: 'ContainerCreating' } });
  await shutdown(rt, pod);
});

test('killPod: SIGTERM reaches the whole process group; SIGKILL after the grace period', async () => {
  const rootDir = tempRoot();
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  const polite = makePod('k1', [sh('main', 'sleep 60 & echo $! > child.pid; wait')]);
  const stubborn = makePod('k2', [sh('main', "trap '' TERM; echo up; while true; do sleep 0.05; done")]);
  await rt.syncPod(polite);
  await rt.syncPod(stubborn);
  const pidFile = join(rootDir, 'pods', 'k1', 'containers', 'main', 'child.pid');
  await waitFor(() => readText(pidFile).trim() !== '', 'child pid');
  const childPid = Number(readText(pidFile).trim());
  await waitFor(() => readText(join(rootDir, 'pods', 'k2', 'logs', 'main', '0.log')).includes('up'), 'trap set');
  await rt.killPod(polite, 30);
  assert.equal(exitCode(container(rt, polite, 'main')), 143);
  await waitFor(() => !alive(childPid), 'grandchild gone');
  await rt.killPod(stubborn, 0.2);
  assert.equal(exitCode(container(rt, stubborn, 'main')), 137);
  assert.equal(rt.podStatus(stubborn)?.phase, 'Failed');
  assert.equal(container(rt, stubborn, 'main')?.ready, false);
  await shutdown(rt, polite, stubborn);
});

test('killPod during a restart backoff ends the pod', async () => {
  const rt = createProcessRuntime(rtOptions(tempRoot(), { backoff: { initialMs: 60_000, maxMs: 60_000 } }));
  const pod = makePod('k3', [sh('main', 'exit 5')]);
  await rt.syncPod(pod);
  await waitFor(() => lastExitCode(container(rt, pod, 'main')) === 5, 'exited');
  assert.equal(rt.podStatus(pod)?.phase, 'Running');
  await rt.killPod(pod, 1);
  assert.equal(rt.podStatus(pod)?.phase, 'Failed');
  assert.equal(container(rt, pod, 'main')?.restartCount, 0);
  await shutdown(rt, pod);
});
