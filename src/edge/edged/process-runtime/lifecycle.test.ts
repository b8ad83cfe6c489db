import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFakeClock } from '../../../beehive/index.js';
import { testObjects } from '../pod-prep/test-objects.js';
import { createProcessRuntime } from './process-runtime.js';
import { container, exitCode, lastExitCode, makePod, readText, rtOptions, sh, shutdown, tempRoot, waitFor } from './test-helpers.js';

const FAST = { initialMs: 20, maxMs: 100 };
const probe = { periodSeconds: 0.05, timeoutSeconds: 1 };

test('env from ConfigMap and Secret; a missing key is CreateContainerConfigError until it appears', async () => {
  const rootDir = tempRoot();
  const objects = testObjects();
  objects.putConfigMap('ns1', 'settings', { LEVEL: 'debug', COLOR: 'blue' });
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST, objects }));
  const c = sh('main', 'echo "$LEVEL $APP_COLOR $TOKEN $GREETING $PATH"', {
    envFrom: [{ configMapRef: { name: 'settings' } }, { configMapRef: { name: 'settings' }, prefix: 'APP_' }],
    env: [
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
      { name: 'GREETING', value: 'hi-$(LEVEL)' },
    ],
  });
  const pod = makePod('e1', [c], { restartPolicy: 'Never' });
  await rt.syncPod(pod);
  assert.deepEqual(container(rt, pod, 'main')?.state, { waiting: { reason: 'CreateContainerConfigError', message: 'secret "creds" not found' } });
  assert.equal(rt.podStatus(pod)?.phase, 'Pending');
  objects.putSecret('ns1', 'creds', { token: 's3cr3t' });
  await rt.syncPod(pod);
  await waitFor(() => rt.podStatus(pod)?.phase === 'Succeeded', 'Succeeded');
  const log = join(rootDir, 'pods', 'e1', 'logs', 'main', '0.log');
  assert.ok(readText(log).includes(`stdout F debug blue s3cr3t hi-debug ${process.env.PATH ?? ''}`));
  await shutdown(rt, pod);
});

test('CrashLoopBackOff: waiting with the back-off message, lastState holds the previous run', async () => {
  const clock = createFakeClock(Date.UTC(2026, 0, 1));
  const rt = createProcessRuntime(rtOptions(tempRoot(), { clock }));
  const pod = makePod('b1', [sh('main', 'exit 3')]);
  await rt.syncPod(pod);
  const msg = (d: string): string => `back-off ${d} restarting failed container=main pod=pod-b1_ns1(b1)`;
  await waitFor(() => lastExitCode(container(rt, pod, 'main')) === 3, 'first exit');
  let c = container(rt, pod, 'main');
  assert.deepEqual(c?.state, { waiting: { reason: 'CrashLoopBackOff', message: msg('10s') } });
  assert.ok(c?.lastState !== undefined && 'terminated' in c.lastState);
  assert.equal(c.lastState.terminated.reason, 'Error');
  assert.equal(c.lastState.terminated.startedAt, '2026-01-01T00:00:00Z');
  assert.equal(c.restartCount, 0);
  assert.equal(c.started, false);
  assert.equal(rt.podStatus(pod)?.phase, 'Running');
  await clock.advance(10_000);
  await waitFor(() => container(rt, pod, 'main')?.restartCount === 1 && 'waiting' in (container(rt, pod, 'main')?.state ?? {}), 'second exit');
  c = container(rt, pod, 'main');
  assert.deepEqual(c?.state, { waiting: { reason: 'CrashLoopBackOff', message: msg('20s') } });
  assert.ok(c?.lastState !== undefined && 'terminated' in c.lastState);
  assert.equal(c.lastState.terminated.startedAt, '2026-01-01T00:00:10Z');
  await shutdown(rt, pod);
});

test('startupProbe holds liveness back until it passes; its failure threshold restarts the container', async () => {
  const rootDir = tempRoot();
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  const gated = makePod('s1', [
    sh('main', 'exec sleep 60', {
      startupProbe: { ...probe, failureThreshold: 1000, exec: { command: ['/bin/sh', '-c', 'test -f started'] } },
      livenessProbe: { ...probe, failureThreshold: 1, exec: { command: ['/bin/sh', '-c', 'exit 1'] } },
      readinessProbe: { ...probe, exec: { command: ['/bin/sh', '-c', 'exit 0'] } },
    }),
  ]);
  const failing = makePod('s2', [sh('main', 'exec sleep 60', { startupProbe: { ...probe, failureThreshold: 2, exec: { command: ['/bin/sh', '-c', 'exit 1'] } } })]);
  await rt.syncPod(gated);
  await rt.syncPod(failing);
  await waitFor(() => (container(rt, failing, 'main')?.restartCount ?? 0) >= 1, 'startup failure restarts');
  assert.equal(lastExitCode(container(rt, failing, 'main')) ?? exitCode(container(rt, failing, 'main')), 137);
  // several probe periods later the gated container still runs, not started, not ready, never restarted
  await new Promise((r) => setTimeout(r, 300));
  let c = container(rt, gated, 'main');
  assert.ok(c !== undefined && 'running' in c.state);
  assert.equal(c.started, false);
  assert.equal(c.ready, false);
  assert.equal(c.restartCount, 0);
  writeFileSync(join(rootDir, 'pods', 's1', 'containers', 'main', 'started'), '');
  await waitFor(() => (container(rt, gated, 'main')?.restartCount ?? 0) >= 1, 'liveness runs after startup');
  c = container(rt, gated, 'main');
  assert.ok(c?.lastState !== undefined && 'terminated' in c.lastState && c.lastState.terminated.exitCode === 137);
  await shutdown(rt, gated, failing);
});

test('preStop runs before SIGTERM; initialized follows the init containers', async () => {
  const rootDir = tempRoot();
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  const pod = makePod('h1', [sh('main', "trap 'test -f prestop-ran && exit 7; exit 1' TERM; while true; do sleep 0.05; done", { lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'touch prestop-ran ../../../../prestop-marker'] } } } })], {
    initContainers: [sh('init', 'while [ ! -f ../../go ]; do sleep 0.05; done')],
  });
  await rt.syncPod(pod);
  await waitFor(() => container(rt, pod, 'init')?.started === true, 'init running');
  assert.equal(rt.podStatus(pod)?.initialized, false);
  writeFileSync(join(rootDir, 'pods', 'h1', 'go'), '');
  await waitFor(() => container(rt, pod, 'main')?.started === true, 'main running');
  assert.equal(rt.podStatus(pod)?.initialized, true);
  await rt.killPod(pod, 10);
  assert.ok(existsSync(join(rootDir, 'prestop-marker')));
  assert.equal(exitCode(container(rt, pod, 'main')), 7, 'the TERM trap saw the file preStop wrote');
  assert.ok(!existsSync(join(rootDir, 'pods', 'h1')), 'pod directory removed once its containers are gone');
  await rt.stop();
});

test('a pod that already ended (status from edged) and has no saved state is not run again', async () => {
  const rootDir = tempRoot();
  const rt = createProcessRuntime(rtOptions(rootDir, { backoff: FAST }));
  const pod = makePod('d1', [sh('main', 'touch ran')], { restartPolicy: 'Never' });
  const terminated = { exitCode: 0, reason: 'Completed', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z', containerID: 'process://x' };
  const ended = { ...pod, status: { phase: 'Succeeded', containerStatuses: [{ name: 'main', image: 'ignored:1', imageID: '', ready: false, restartCount: 0, state: { terminated } }] } };
  await rt.syncPod(ended);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(rt.podStatus(pod)?.phase, 'Succeeded');
  assert.deepEqual(container(rt, pod, 'main')?.state, { terminated });
  assert.ok(!existsSync(join(rootDir, 'pods', 'd1', 'containers', 'main', 'ran')));
  await shutdown(rt, pod);
});
