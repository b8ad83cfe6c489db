import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasType, listSemantics, metaFor, referencedTypes, supportsStrategicMerge, isAtomicField } from './patch-meta.js';

describe('patch metadata table', () => {
  it('references only types it defines', () => {
    for (const t of referencedTypes()) assert.ok(hasType(t), `missing type ${t}`);
  });

  it('has the pod spec list keys', () => {
    for (const list of ['containers', 'initContainers', 'ephemeralContainers', 'imagePullSecrets']) {
      assert.equal(metaFor('Pod', ['spec', list])?.mergeKey, 'name', list);
    }
    assert.deepEqual(metaFor('Pod', ['spec', 'volumes'])?.strategy, ['merge', 'retainKeys']);
    assert.equal(metaFor('Pod', ['spec', 'volumes'])?.mergeKey, 'name');
    assert.equal(metaFor('Pod', ['spec', 'hostAliases'])?.mergeKey, 'ip');
    assert.equal(metaFor('Pod', ['spec', 'containers', 'ports'])?.mergeKey, 'containerPort');
    assert.equal(metaFor('Pod', ['spec', 'containers', 'env'])?.mergeKey, 'name');
    assert.equal(metaFor('Pod', ['spec', 'containers', 'volumeMounts'])?.mergeKey, 'mountPath');
    assert.equal(metaFor('Pod', ['spec', 'initContainers', 'volumeDevices'])?.mergeKey, 'devicePath');
    assert.equal(metaFor('Pod', ['status', 'conditions'])?.mergeKey, 'type');
  });

  it('treats tolerations as atomic', () => {
    const meta = metaFor('Pod', ['spec', 'tolerations']);
    assert.equal(meta?.mergeKey, undefined);
    assert.equal(meta?.strategy, undefined);
    assert.deepEqual(listSemantics(meta), { kind: 'atomic' });
  });

  it('reaches the pod spec through workload templates', () => {
    for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job']) {
      assert.equal(metaFor(kind, ['spec', 'template', 'spec', 'containers', 'env'])?.mergeKey, 'name', kind);
      assert.equal(metaFor(kind, ['spec', 'template', 'metadata', 'finalizers'])?.strategy?.[0], 'merge', kind);
      assert.ok(isAtomicField(metaFor(kind, ['spec', 'selector'])), kind);
    }
    assert.deepEqual(metaFor('Deployment', ['spec', 'strategy'])?.strategy, ['retainKeys']);
  });

  it('has object metadata, service, node lists', () => {
    assert.equal(metaFor('ConfigMap', ['metadata', 'ownerReferences'])?.mergeKey, 'uid');
    assert.deepEqual(listSemantics(metaFor('Secret', ['metadata', 'finalizers'])), { kind: 'set' });
    assert.equal(metaFor('Service', ['spec', 'ports'])?.mergeKey, 'port');
    assert.equal(metaFor('Node', ['status', 'conditions'])?.mergeKey, 'type');
    assert.equal(metaFor('Node', ['status', 'addresses'])?.mergeKey, 'type');
    assert.deepEqual(listSemantics(metaFor('Node', ['spec', 'podCIDRs'])), { kind: 'set' });
    assert.equal(metaFor('ServiceAccount', ['secrets'])?.mergeKey, 'name');
  });

  it('derives server-side apply list keys', () => {
    assert.deepEqual(listSemantics(metaFor('Pod', ['spec', 'containers', 'ports'])), {
      kind: 'map',
      keys: ['containerPort', 'protocol'],
      defaults: { protocol: 'TCP' },
    });
    assert.deepEqual(listSemantics(metaFor('Pod', ['spec', 'containers'])), { kind: 'map', keys: ['name'], defaults: {} });
    assert.deepEqual(listSemantics(metaFor('Job', ['status', 'conditions'])), { kind: 'atomic' });
    assert.deepEqual(listSemantics(undefined), { kind: 'atomic' });
  });

  it('knows which kinds support strategic merge', () => {
    assert.ok(supportsStrategicMerge('Pod'));
    assert.ok(supportsStrategicMerge('Lease'));
    assert.ok(supportsStrategicMerge('CustomResourceDefinition'));
    assert.ok(!supportsStrategicMerge('Device'));
  });
});
