import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocationCache } from './location.js';
import { podRefs, podServiceAccount } from '../common/index.js';

test('podRefs finds configmaps and secrets in volumes, projected sources, env, envFrom and imagePullSecrets', () => {
  const refs = podRefs({
    metadata: { name: 'p', namespace: 'ns' },
    spec: {
      containers: [
        {
          name: 'c',
          env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-env', key: 'k' } } }, { name: 'B', valueFrom: { secretKeyRef: { name: 's-env', key: 'k' } } }],
          envFrom: [{ configMapRef: { name: 'cm-from' } }, { secretRef: { name: 's-from' } }],
        },
      ],
      initContainers: [{ name: 'i', envFrom: [{ configMapRef: { name: 'cm-init' } }] }],
      volumes: [
        { name: 'v1', configMap: { name: 'cm-vol' } },
        { name: 'v2', secret: { secretName: 's-vol' } },
        { name: 'v3', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }, { secret: { name: 's-proj' } }] } },
      ],
      imagePullSecrets: [{ name: 'pull' }],
    },
  });
  assert.deepEqual(refs, [
    'configmap/ns/cm-env',
    'configmap/ns/cm-from',
    'configmap/ns/cm-init',
    'configmap/ns/cm-vol',
    'configmap/ns/kube-root-ca.crt',
    'secret/ns/pull',
    'secret/ns/s-env',
    'secret/ns/s-from',
    'secret/ns/s-proj',
    'secret/ns/s-vol',
  ]);
  assert.equal(podServiceAccount({ spec: { containers: [] } }), 'default');
  assert.equal(podServiceAccount({ spec: { containers: [], serviceAccountName: 'sa' } }), 'sa');
});

test('LocationCache counts refs per node and reports arrivals and departures', () => {
  const lc = new LocationCache();
  assert.deepEqual(lc.track('ns/a', { node: 'n1', uid: 'u1', refs: ['configmap/ns/x'] }), { left: undefined, arrived: ['configmap/ns/x'] });
  // a second pod using it on the same node: no new arrival
  assert.deepEqual(lc.track('ns/b', { node: 'n1', uid: 'u2', refs: ['configmap/ns/x', 'secret/ns/y'] }).arrived, ['secret/ns/y']);
  assert.deepEqual(lc.nodesUsing('configmap/ns/x'), ['n1']);
  // same pod tracked again with the same refs: nothing moves
  assert.deepEqual(lc.track('ns/a', { node: 'n1', uid: 'u1', refs: ['configmap/ns/x'] }), { left: { node: 'n1', refs: [] }, arrived: [] });
  // pod b moves to n2: its refs arrive on n2 and secret y leaves n1 (x is still used there by a)
  assert.deepEqual(lc.track('ns/b', { node: 'n2', uid: 'u2', refs: ['configmap/ns/x', 'secret/ns/y'] }), {
    left: { node: 'n1', refs: ['secret/ns/y'] },
    arrived: ['configmap/ns/x', 'secret/ns/y'],
  });
  assert.deepEqual(lc.nodesUsing('configmap/ns/x').sort(), ['n1', 'n2']);
  assert.deepEqual(lc.untrack('ns/a')?.change.removed, ['configmap/ns/x']);
  assert.equal(lc.uses('n1', 'configmap/ns/x'), false);
  lc.dropNode('n2');
  assert.deepEqual(lc.nodesUsing('configmap/ns/x'), []);
  assert.deepEqual(lc.podsOn('n2'), []);
});
