import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiVersionOf, collectionPath, keyOf, objectKey, objectPath, RESOURCES, splitKey } from './resources.js';

test('paths for core, grouped, namespaced and cluster-scoped resources', () => {
  assert.equal(collectionPath(RESOURCES.pods, 'default'), '/api/v1/namespaces/default/pods');
  assert.equal(collectionPath(RESOURCES.pods), '/api/v1/pods');
  assert.equal(collectionPath(RESOURCES.pods, ''), '/api/v1/pods');
  assert.equal(collectionPath(RESOURCES.nodes, 'ignored'), '/api/v1/nodes');
  assert.equal(objectPath(RESOURCES.deployments, 'web', 'front'), '/apis/apps/v1/namespaces/web/deployments/front');
  assert.equal(objectPath(RESOURCES.pods, 'ns', 'p', 'binding'), '/api/v1/namespaces/ns/pods/p/binding');
  assert.equal(objectPath(RESOURCES.priorityclasses, undefined, 'high'), '/apis/scheduling.k8s.io/v1/priorityclasses/high');
  assert.equal(objectPath(RESOURCES.leases, 'kube-node-lease', 'n/1'), '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n%2F1');
  assert.equal(apiVersionOf(RESOURCES.endpointslices), 'discovery.k8s.io/v1');
  assert.equal(apiVersionOf(RESOURCES.events), 'v1');
});

test('cache keys', () => {
  assert.equal(keyOf('ns', 'a'), 'ns/a');
  assert.equal(keyOf(undefined, 'node1'), 'node1');
  assert.equal(objectKey({ metadata: { name: 'a', namespace: 'ns' } }), 'ns/a');
  assert.equal(objectKey({ metadata: { name: 'n' } }), 'n');
  assert.equal(objectKey({}), '');
  assert.deepEqual(splitKey('ns/a'), { namespace: 'ns', name: 'a' });
  assert.deepEqual(splitKey('n'), { namespace: '', name: 'n' });
});

test('every ref is frozen and matches its kind', () => {
  for (const [plural, ref] of Object.entries(RESOURCES)) {
    assert.equal(ref.plural, plural);
    assert.ok(Object.isFrozen(ref));
  }
});
