import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerState, ContainerStatusReport } from '../runtime.js';
import { podPhase, podStatusReport, type StatusInputs } from './status.js';
import { containerInfo } from './test-fixtures.js';
import type { ContainerInfo, PodView } from './view.js';

const running: ContainerState = { running: { startedAt: '2026-01-01T00:00:00Z' } };
const exited = (exitCode: number): ContainerState => ({ terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: '', finishedAt: '', containerID: '' } });
const waiting: ContainerState = { waiting: { reason: 'ContainerCreating' } };
const c = (state: ContainerState, lastState?: ContainerState): ContainerStatusReport => ({
  name: 'c',
  image: 'i',
  imageID: '',
  containerID: '',
  ready: false,
  started: false,
  restartCount: 0,
  state,
  ...(lastState !== undefined ? { lastState } : {}),
});

test('phase as kubelet computes it', () => {
  assert.equal(podPhase('Always', [], [c(waiting)]), 'Pending');
  assert.equal(podPhase('Always', [], [c(running), c(waiting)]), 'Pending');
  assert.equal(podPhase('Always', [], [c(running)]), 'Running');
  assert.equal(podPhase('Always', [], [c(running), c({ waiting: { reason: 'CrashLoopBackOff' } }, exited(1))]), 'Running');
  assert.equal(podPhase('Always', [], [c(exited(0))]), 'Running', 'Always: restarting');
  assert.equal(podPhase('OnFailure', [], [c(exited(0)), c(exited(0))]), 'Succeeded');
  assert.equal(podPhase('OnFailure', [], [c(exited(0)), c(exited(1))]), 'Running', 'OnFailure: the failed one restarts');
  assert.equal(podPhase('Never', [], [c(exited(0)), c(exited(2))]), 'Failed');
  assert.equal(podPhase('Never', [], [c(exited(0))]), 'Succeeded');
  // init containers
  assert.equal(podPhase('Always', [c(running)], [c(waiting)]), 'Pending');
  assert.equal(podPhase('Never', [c(exited(1))], [c(waiting)]), 'Failed');
  assert.equal(podPhase('Always', [c({ waiting: { reason: 'CrashLoopBackOff' } }, exited(1))], [c(waiting)]), 'Pending');
  assert.equal(podPhase('Always', [c(exited(0))], [c(running)]), 'Running');
  // killed pods end in a terminal phase
  assert.equal(podPhase('Always', [], [c(exited(137))], true), 'Failed');
  assert.equal(podPhase('Always', [], [c(exited(0))], true), 'Succeeded');
});

const info = (over: Partial<ContainerInfo>): ContainerInfo =>
  containerInfo({ id: 'x', sandboxId: 'sb1', name: 'app', state: 'CONTAINER_RUNNING', createdAt: 1n, image: 'img', imageRef: 'sha256:abc', startedAt: Date.parse('2026-01-01T00:00:00Z'), ...over });

const inputs = (containers: ContainerInfo[], over: Partial<StatusInputs> = {}): StatusInputs => {
  const view: PodView = { uid: 'u', name: 'p', namespace: 'ns', sandboxes: [], containers };
  return {
    view,
    init: [],
    app: [{ name: 'app', image: 'img:1' }],
    restartPolicy: 'Always',
    podIP: '10.0.0.5',
    waiting: new Map(),
    ready: () => true,
    started: () => true,
    ...over,
  };
};

test('a restarted container reports its previous run as lastState', () => {
  const prev = info({ id: 'old', state: 'CONTAINER_EXITED', exitCode: 137, reason: 'Error', finishedAt: Date.parse('2026-01-01T00:01:00Z'), createdAt: 1n });
  const cur = info({ id: 'new', restartCount: 1, createdAt: 2n });
  const r = podStatusReport(inputs([cur, prev]));
  const s = r.containers[0];
  assert.equal(r.phase, 'Running');
  assert.equal(s?.containerID, 'containerd://new');
  assert.equal(s?.restartCount, 1);
  assert.equal(s?.ready, true);
  assert.equal(s?.image, 'img:1');
  assert.equal(s?.imageID, 'sha256:abc');
  assert.deepEqual(s?.state, { running: { startedAt: '2026-01-01T00:00:00Z' } });
  assert.deepEqual(s?.lastState, {
    terminated: { exitCode: 137, reason: 'Error', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', containerID: 'containerd://old' },
  });
});

test('backing off: waiting CrashLoopBackOff with the exit as lastState; OOMKilled reason kept', () => {
  const dead = info({ id: 'd', state: 'CONTAINER_EXITED', exitCode: 137, reason: 'OOMKilled', restartCount: 2, finishedAt: 5_000 });
  const r = podStatusReport(inputs([dead], { waiting: new Map([['app', { reason: 'CrashLoopBackOff', message: 'back-off 20s' }]]) }));
  const s = r.containers[0];
  assert.deepEqual(s?.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } });
  assert.ok(s?.lastState !== undefined && 'terminated' in s.lastState);
  assert.equal(s.lastState.terminated.reason, 'OOMKilled');
  assert.equal(s.ready, false);
  assert.equal(r.phase, 'Running');
});

test('app containers wait in PodInitializing until init containers succeed', () => {
  const init = info({ id: 'i', name: 'setup', init: true, state: 'CONTAINER_RUNNING' });
  const r = podStatusReport(inputs([init], { init: [{ name: 'setup', image: 'img' }] }));
  assert.equal(r.initialized, false);
  assert.equal(r.phase, 'Pending');
  assert.deepEqual(r.containers[0]?.state, { waiting: { reason: 'PodInitializing' } });
  assert.equal(r.initContainers[0]?.ready, false, 'a running init container is not ready');
  const done = podStatusReport(inputs([info({ id: 'i', name: 'setup', init: true, state: 'CONTAINER_EXITED', exitCode: 0 })], { init: [{ name: 'setup', image: 'img' }] }));
  assert.equal(done.initialized, true);
  assert.equal(done.initContainers[0]?.ready, true, 'a succeeded init container is ready');
  assert.deepEqual(done.initContainers[0]?.state && 'terminated' in done.initContainers[0].state ? done.initContainers[0].state.terminated.reason : '', 'Completed');
  assert.deepEqual(done.containers[0]?.state, { waiting: { reason: 'ContainerCreating' } });
});

test('readiness comes from the probe results', () => {
  const r = podStatusReport(inputs([info({ id: 'a' })], { ready: () => false, started: () => false }));
  assert.equal(r.containers[0]?.ready, false);
  assert.equal(r.containers[0]?.started, false);
});
