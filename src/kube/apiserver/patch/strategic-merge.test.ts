import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPath, type JsonObject } from '../../../base/index.js';
import { ApiError } from '../status.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import { obj, objs } from './test-util.js';

function deployment(): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', tier: 'front' }, finalizers: ['a', 'b'] },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
            { name: 'sidecar', image: 'busybox' },
          ],
          tolerations: [{ key: 'k1', operator: 'Exists' }],
          volumes: [{ name: 'data', emptyDir: {} }],
        },
      },
    },
  };
}

const containers = (o: JsonObject): unknown => getPath(o, ['spec', 'template', 'spec', 'containers']);
const names = (o: JsonObject): unknown => objs(containers(o)).map((c) => c['name']);
const smp = (patch: JsonObject, doc = deployment()): JsonObject => applyStrategicMergePatch(doc, patch, 'Deployment');

describe('applyStrategicMergePatch', () => {
  it('merges maps, deletes on null, leaves the input alone', () => {
    const doc = deployment();
    const before = structuredClone(doc);
    const out = smp({ metadata: { labels: { tier: null, env: 'prod' } }, spec: { replicas: 3 } }, doc);
    assert.deepEqual(doc, before);
    assert.deepEqual(getPath(out, ['metadata', 'labels']), { app: 'web', env: 'prod' });
    assert.equal(getPath(out, ['spec', 'replicas']), 3);
  });

  it('merges containers by name (new items go before later server-only items, as in apimachinery)', () => {
    const out = smp({ spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }, { name: 'new', image: 'x' }] } } } });
    assert.deepEqual(names(out), ['nginx', 'new', 'sidecar']);
    const nginx = objs(containers(out))[0];
    assert.equal(nginx?.['image'], 'nginx:1.26');
    assert.equal(objs(nginx?.['env']).length, 2);
  });

  it('merges env by name', () => {
    const out = smp({ spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } } } });
    const env = getPath(objs(containers(out))[0], ['env']);
    assert.deepEqual(env, [
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: '4' },
    ]);
  });

  it('deletes a container with $patch: delete', () => {
    const out = smp({ spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } });
    assert.deepEqual(names(out), ['nginx']);
  });

  it('replaces a list with $patch: replace', () => {
    const out = smp({ spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'x' }] } } } });
    assert.deepEqual(containers(out), [{ name: 'only', image: 'x' }]);
  });

  it('replaces a map with $patch: replace', () => {
    const out = smp({ metadata: { labels: { $patch: 'replace', only: 'me' } } });
    assert.deepEqual(getPath(out, ['metadata', 'labels']), { only: 'me' });
  });

  it('orders with $setElementOrder', () => {
    const reordered = smp({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] } } } });
    assert.deepEqual(names(reordered), ['sidecar', 'nginx']);
    const inserted = smp({
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'middle' }, { name: 'sidecar' }],
            containers: [{ name: 'middle', image: 'm' }],
          },
        },
      },
    });
    assert.deepEqual(names(inserted), ['nginx', 'middle', 'sidecar']);
  });

  it('keeps server-only items in place among ordered patch items', () => {
    const doc = deployment();
    const spec = obj(getPath(doc, ['spec', 'template', 'spec']));
    spec['containers'] = [{ name: 'a' }, { name: 'server' }, { name: 'b' }];
    const out = smp({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } } } }, doc);
    assert.deepEqual(names(out), ['server', 'b', 'a']);
  });

  it('applies kubectl apply patches ($setElementOrder with changes, retainKeys)', () => {
    const out = smp({
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
            containers: [{ name: 'nginx', image: 'nginx:1.27' }],
          },
        },
      },
    });
    assert.deepEqual(getPath(out, ['spec', 'strategy']), { type: 'Recreate' });
    assert.equal(objs(containers(out))[0]?.['image'], 'nginx:1.27');
    assert.deepEqual(names(out), ['nginx', 'sidecar']);
  });

  it('$retainKeys inside a volume switches its source', () => {
    const out = smp({
      spec: { template: { spec: { volumes: [{ name: 'data', $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' } }] } } },
    });
    assert.deepEqual(getPath(out, ['spec', 'template', 'spec', 'volumes']), [{ name: 'data', configMap: { name: 'cm' } }]);
  });

  it('replaces tolerations (no merge key)', () => {
    const out = smp({ spec: { template: { spec: { tolerations: [{ key: 'k2', operator: 'Exists' }] } } } });
    assert.deepEqual(getPath(out, ['spec', 'template', 'spec', 'tolerations']), [{ key: 'k2', operator: 'Exists' }]);
  });

  it('unions finalizers and removes with $deleteFromPrimitiveList', () => {
    const out = smp({ metadata: { finalizers: ['b', 'c'] } });
    assert.deepEqual(getPath(out, ['metadata', 'finalizers']), ['a', 'b', 'c']);
    const removed = smp({ metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
    assert.deepEqual(getPath(removed, ['metadata', 'finalizers']), ['b']);
  });

  it('merges node conditions by type and pod status conditions', () => {
    const node: JsonObject = {
      metadata: { name: 'n' },
      status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'MemoryPressure', status: 'False' }] },
    };
    const out = applyStrategicMergePatch(node, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'Node');
    assert.deepEqual(getPath(out, ['status', 'conditions']), [
      { type: 'Ready', status: 'True' },
      { type: 'MemoryPressure', status: 'False' },
    ]);
  });

  it('merges ownerReferences by uid and service ports by port', () => {
    const svc: JsonObject = {
      metadata: { name: 's', ownerReferences: [{ uid: 'u1', name: 'a' }] },
      spec: { ports: [{ port: 80, targetPort: 8080 }] },
    };
    const out = applyStrategicMergePatch(
      svc,
      { metadata: { ownerReferences: [{ uid: 'u2', name: 'b' }] }, spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } },
      'Service',
    );
    assert.deepEqual(getPath(out, ['metadata', 'ownerReferences']), [
      { uid: 'u2', name: 'b' },
      { uid: 'u1', name: 'a' },
    ]);
    assert.deepEqual(getPath(out, ['spec', 'ports']), [{ port: 80, targetPort: 9090 }, { port: 443 }]);
  });

  it('drops nulls inside values it adds', () => {
    const out = smp({ spec: { paused: true, template: { spec: { containers: [{ name: 'x', image: 'i', args: null }] } } }, metadata: { annotations: { a: null } } });
    assert.deepEqual(objs(containers(out)).find((c) => c['name'] === 'x'), { name: 'x', image: 'i' });
    assert.equal(getPath(out, ['spec', 'paused']), true);
  });

  it('rejects malformed directives with 400', () => {
    const bad = (patch: JsonObject): void =>
      assert.throws(() => smp(patch), (e: unknown) => e instanceof ApiError && e.reason === 'BadRequest');
    bad({ metadata: { labels: { $patch: 'frob' } } });
    bad({ spec: { template: { spec: { containers: [{ image: 'no-name' }] } } } });
    bad({ spec: { strategy: { $retainKeys: 'type' } } });
    bad({ spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 2 } } } });
    bad({ metadata: { '$setElementOrder/finalizers': 'a' } });
  });

  it('answers 415 for kinds without a schema (custom resources)', () => {
    assert.throws(
      () => applyStrategicMergePatch({ spec: {} }, { spec: { a: 1 } }, 'Device'),
      (e: unknown) => e instanceof ApiError && e.httpCode === 415,
    );
  });
});
