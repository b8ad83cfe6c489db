import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planContainerGc } from './container-gc.js';
import { containerInfo } from './test-fixtures.js';
import type { ContainerInfo, PodView, SandboxInfo } from './view.js';

const sb = (id: string, ready: boolean, createdAt: bigint): SandboxInfo => ({ id, uid: 'u', name: 'p', namespace: 'ns', attempt: 0, ready, createdAt, hostNetwork: false, ip: '', graceSeconds: 30 });
const ctr = (id: string, name: string, sandboxId: string, state: ContainerInfo['state'], createdAt: bigint): ContainerInfo => containerInfo({ id, name, sandboxId, state, createdAt });

test('keeps the newest exited container per name and drops empty old sandboxes', () => {
  const view: PodView = {
    uid: 'u',
    name: 'p',
    namespace: 'ns',
    sandboxes: [sb('s3', true, 30n), sb('s2', false, 20n), sb('s1', false, 10n)],
    containers: [
      ctr('a4', 'a', 's3', 'CONTAINER_RUNNING', 9n),
      ctr('a3', 'a', 's3', 'CONTAINER_EXITED', 8n),
      ctr('b2', 'b', 's3', 'CONTAINER_EXITED', 7n),
      ctr('a2', 'a', 's2', 'CONTAINER_EXITED', 6n),
      ctr('a1', 'a', 's1', 'CONTAINER_EXITED', 5n),
      ctr('b1', 'b', 's1', 'CONTAINER_EXITED', 4n),
    ],
  };
  const plan = planContainerGc([view]);
  assert.deepEqual(plan.containers, ['a2', 'a1', 'b1']);
  assert.deepEqual(plan.sandboxes, ['s2', 's1']);
});

test('a lone sandbox and its last containers stay', () => {
  const view: PodView = { uid: 'u', name: 'p', namespace: 'ns', sandboxes: [sb('s1', false, 1n)], containers: [ctr('a1', 'a', 's1', 'CONTAINER_EXITED', 1n)] };
  assert.deepEqual(planContainerGc([view]), { containers: [], sandboxes: [] });
});
