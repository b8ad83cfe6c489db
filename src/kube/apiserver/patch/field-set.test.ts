import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldSet, pathString } from './field-set.js';

describe('FieldSet', () => {
  const v1 = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': {
      'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
      'f:finalizers': { 'v:"a"': {} },
    },
  };

  it('round-trips FieldsV1 with "." members', () => {
    const set = FieldSet.fromFieldsV1(v1);
    assert.ok(set);
    assert.deepEqual(set.toFieldsV1(), v1);
    assert.ok(set.has(['f:metadata', 'f:labels']));
    assert.ok(!set.has(['f:metadata']));
    assert.ok(set.has(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']));
  });

  it('rejects malformed FieldsV1', () => {
    assert.equal(FieldSet.fromFieldsV1([]), undefined);
    assert.equal(FieldSet.fromFieldsV1({ 'x:y': {} }), undefined);
    assert.equal(FieldSet.fromFieldsV1({ 'f:a': 1 }), undefined);
  });

  it('computes union, difference and intersection per path', () => {
    const a = FieldSet.of(['f:a'], ['f:b', 'f:c'], ['f:b']);
    const b = FieldSet.of(['f:b', 'f:c'], ['f:d']);
    assert.deepEqual(a.difference(b).paths(), [['f:a'], ['f:b']]);
    assert.deepEqual(a.intersection(b).paths(), [['f:b', 'f:c']]);
    assert.deepEqual(a.union(b).paths(), [['f:a'], ['f:b'], ['f:b', 'f:c'], ['f:d']]);
    assert.ok(a.difference(a).isEmpty());
    assert.ok(a.equals(a.clone()));
  });

  it('sorts fields before keys before values', () => {
    const set = FieldSet.of(['v:"x"'], ['k:{"a":1}'], ['f:z'], ['f:a']);
    assert.deepEqual(Object.keys(set.toFieldsV1()), ['f:a', 'f:z', 'k:{"a":1}', 'v:"x"']);
  });

  it('prints paths as Kubernetes does', () => {
    assert.equal(pathString(['f:spec', 'f:replicas']), '.spec.replicas');
    assert.equal(pathString(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']), '.spec.containers[name="nginx"].image');
    assert.equal(pathString(['f:ports', 'k:{"protocol":"TCP","containerPort":80}']), '.ports[containerPort=80,protocol="TCP"]');
    assert.equal(pathString(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
  });
});
