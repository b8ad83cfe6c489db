import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeClock } from '../../beehive/index.js';
import type { V1Pod } from '../../kube/client/index.js';
import { createHollowRuntime, OUTCOME_ANNOTATION, RUN_MS_ANNOTATION } from './hollow-runtime.js';

const START = Date.UTC(2026, 0, 1, 0, 0, 0);

function pod(uid: string, restartPolicy: string | undefined, annotations: Record<string, string> = {}, status?: V1Pod['status']): V1Pod {
  return {
    metadata: { name: uid, namespace: 'default', uid, annotations },
    spec: { containers: [{ name: 'c', image: 'img:1' }], initContainers: [{ name: 'init', image: 'img:0' }], ...(restartPolicy === undefined ? {} : { restartPolicy }) },
    ...(status === undefined ? {} : { status }),
  };
}

test('Running at once; the outcome annotation only applies when restartPolicy is not Always', async () => {
  const clock = createFakeClock(START);
  const rt = createHollowRuntime({ clock, nodeIP: '10.0.0.1' });
  const changes: string[] = [];
  rt.onChange((uid) => changes.push(uid));
  const always = pod('a', 'Always', { [OUTCOME_ANNOTATION]: 'Failed' });
  const job = pod('b', 'OnFailure', { [OUTCOME_ANNOTATION]: 'Succeeded', [RUN_MS_ANNOTATION]: '1000' });
  await rt.syncPod(always);
  await rt.syncPod(job);
  assert.equal(rt.podStatus(always)?.phase, 'Running');
  assert.equal(rt.podStatus(job)?.phase, 'Running');
  assert.equal(rt.podStatus(job)?.podIP, '10.0.0.1');
  assert.equal(rt.podStatus(job)?.initContainers[0]?.state && 'terminated' in (rt.podStatus(job)?.initContainers[0]?.state ?? {}), true);
  await clock.advance(1000);
  assert.equal(rt.podStatus(always)?.phase, 'Running');
  const done = rt.podStatus(job);
  assert.equal(done?.phase, 'Succeeded');
  const state = done?.containers[0]?.state;
  assert.ok(state !== undefined && 'terminated' in state && state.terminated.exitCode === 0);
  assert.deepEqual(changes, ['a', 'b', 'b']);
  await rt.stop();
});

test('resuming from a reported status keeps start times and a finished phase', async () => {
  const clock = createFakeClock(START + 60_000);
  const rt = createHollowRuntime({ clock, nodeIP: '10.0.0.1' });
  const running = pod('r', undefined, {}, { containerStatuses: [{ name: 'c', image: 'img:1', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }] });
  await rt.syncPod(running);
  const s = rt.podStatus(running)?.containers[0]?.state;
  assert.ok(s !== undefined && 'running' in s && s.running.startedAt === '2026-01-01T00:00:00Z');
  const finished = pod('f', 'Never', { [OUTCOME_ANNOTATION]: 'Failed', [RUN_MS_ANNOTATION]: '999999' }, {
    phase: 'Failed',
    containerStatuses: [{ name: 'c', image: 'img:1', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 3, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:30Z' } } }],
  });
  await rt.syncPod(finished);
  assert.equal(rt.podStatus(finished)?.phase, 'Failed');
  assert.equal(clock.pending(), 0, 'no timer for a pod that already finished');
  await rt.killPod(running, 0);
  assert.equal(rt.podStatus(running)?.phase, 'Succeeded');
  await rt.stop();
});
