import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '../../../kube/client/index.js';
import { podFinished } from './pod-sync.js';
import { containerInfo } from './test-fixtures.js';
import type { ContainerInfo, PodView } from './view.js';

const ctr = (name: string, state: ContainerInfo['state'], exitCode: number, createdAt: bigint): ContainerInfo => containerInfo({ id: `${name}-${createdAt}`, name, state, exitCode, createdAt });
const view = (containers: ContainerInfo[]): PodView => ({ uid: 'u', name: 'p', namespace: 'ns', sandboxes: [], containers });
const pod = (restartPolicy: string): V1Pod => ({ metadata: { uid: 'u' }, spec: { restartPolicy, containers: [{ name: 'a' }, { name: 'b' }] } });

test('a pod is finished when no app container will run again under its restartPolicy', () => {
  const allOk = view([ctr('a', 'CONTAINER_EXITED', 0, 2n), ctr('b', 'CONTAINER_EXITED', 0, 1n)]);
  const oneFailed = view([ctr('a', 'CONTAINER_EXITED', 0, 2n), ctr('b', 'CONTAINER_EXITED', 1, 1n)]);
  const oneRuns = view([ctr('a', 'CONTAINER_RUNNING', 0, 2n), ctr('b', 'CONTAINER_EXITED', 0, 1n)]);
  assert.equal(podFinished(allOk, pod('Always')), false);
  assert.equal(podFinished(allOk, pod('OnFailure')), true);
  assert.equal(podFinished(oneFailed, pod('OnFailure')), false);
  assert.equal(podFinished(oneFailed, pod('Never')), true);
  assert.equal(podFinished(oneRuns, pod('Never')), false);
  assert.equal(podFinished(view([ctr('a', 'CONTAINER_EXITED', 0, 1n)]), pod('Never')), false, 'b never ran');
  // the newest instance counts: a restarted container that now succeeded
  assert.equal(podFinished(view([ctr('b', 'CONTAINER_EXITED', 0, 3n), ctr('a', 'CONTAINER_EXITED', 0, 2n), ctr('b', 'CONTAINER_EXITED', 1, 1n)]), pod('OnFailure')), true);
});
