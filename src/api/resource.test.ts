import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeError } from '../base/index.js';
import {
  BAD_RESOURCE,
  buildResource,
  cloudObjectResource,
  objectResource,
  parseCloudResource,
  parseObjectResource,
  parseResource,
  toCloudResource,
  toEdgeResource,
  tryParseResource,
  type ResourceRef,
} from './resource.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isKeError(err) ? err.code : 'not-a-KeError';
  }
  return undefined;
}

describe('edge-form resources', () => {
  const cases: Array<[string, ResourceRef]> = [
    ['default/pod/capture-pod', { kind: 'object', namespace: 'default', resourceType: 'pod', name: 'capture-pod' }],
    ['default/podpatch/capture-pod', { kind: 'object', namespace: 'default', resourceType: 'podpatch', name: 'capture-pod' }],
    ['default/nodepatch/edge-capture', { kind: 'object', namespace: 'default', resourceType: 'nodepatch', name: 'edge-capture' }],
    ['kube-node-lease/lease/edge-capture', { kind: 'object', namespace: 'kube-node-lease', resourceType: 'lease', name: 'edge-capture' }],
    ['default/configmap/kube-root-ca.crt', { kind: 'object', namespace: 'default', resourceType: 'configmap', name: 'kube-root-ca.crt' }],
    ['default/pod', { kind: 'object', namespace: 'default', resourceType: 'pod' }],
    ['node', { kind: 'keepalive' }],
    ['k8s/ca.crt', { kind: 'cluster-ca' }],
    ['membership/detail', { kind: 'membership', sub: 'detail' }],
    ['membership', { kind: 'membership' }],
    ['device/default/sensor-1/twin/edge_updated', { kind: 'device', namespace: 'default', name: 'sensor-1', sub: 'twin/edge_updated' }],
    ['device/default/sensor-1', { kind: 'device', namespace: 'default', name: 'sensor-1' }],
    ['rule/r1', { kind: 'rule', name: 'r1' }],
    ['ruleendpoint/e1', { kind: 'ruleendpoint', name: 'e1' }],
  ];
  for (const [text, ref] of cases) {
    it(`parses and builds ${text}`, () => {
      assert.deepEqual(parseResource(text), ref);
      assert.equal(buildResource(ref), text);
    });
  }

  it('parseObjectResource reads special-looking namespaces as objects', () => {
    assert.deepEqual(parseObjectResource('device/pod/x'), { kind: 'object', namespace: 'device', resourceType: 'pod', name: 'x' });
    assert.deepEqual(parseObjectResource('rule/configmap'), { kind: 'object', namespace: 'rule', resourceType: 'configmap' });
    assert.equal(codeOf(() => parseObjectResource('node')), BAD_RESOURCE);
    assert.equal(codeOf(() => parseObjectResource('default/pod/a/b')), BAD_RESOURCE);
  });

  it('objectResource builds the common form', () => {
    assert.equal(objectResource('default', 'secret', 's1'), 'default/secret/s1');
    assert.equal(objectResource('default', 'pod'), 'default/pod');
  });

  for (const badText of ['', '/', 'default', 'default//x', 'default/pod/', '/pod/x', 'default/pod/a/b', 'device/ns']) {
    it(`rejects ${JSON.stringify(badText)}`, () => {
      assert.equal(codeOf(() => parseResource(badText)), BAD_RESOURCE);
      assert.equal(tryParseResource(badText), undefined);
    });
  }

  it('refuses to build segments that are empty or contain "/"', () => {
    assert.equal(codeOf(() => objectResource('default', 'pod', 'a/b')), BAD_RESOURCE);
    assert.equal(codeOf(() => objectResource('', 'pod', 'a')), BAD_RESOURCE);
    assert.equal(codeOf(() => buildResource({ kind: 'rule', name: '' })), BAD_RESOURCE);
  });
});

describe('cloud-form resources', () => {
  it('prepends and strips node/<id>/', () => {
    assert.equal(toCloudResource('edge1', 'default/pod/nginx'), 'node/edge1/default/pod/nginx');
    assert.deepEqual(toEdgeResource('node/edge1/default/pod/nginx'), { nodeId: 'edge1', edgeResource: 'default/pod/nginx' });
    assert.equal(toCloudResource('edge1', ''), 'node/edge1');
  });

  it('uses namespace null for cluster-scoped objects', () => {
    assert.equal(cloudObjectResource('edge1', null, 'node', 'edge1'), 'node/edge1/null/node/edge1');
    assert.deepEqual(parseCloudResource('node/edge1/null/node/edge1'), {
      nodeId: 'edge1',
      edgeResource: 'null/node/edge1',
      ref: { kind: 'object', namespace: 'null', resourceType: 'node', name: 'edge1' },
    });
  });

  it('parses membership, device twin, bare node, metaserver forms', () => {
    assert.deepEqual(parseCloudResource('node/edge1/membership').ref, { kind: 'membership' });
    assert.deepEqual(parseCloudResource('node/edge1/device/ns/d1/twin/cloud_updated').ref, { kind: 'device', namespace: 'ns', name: 'd1', sub: 'twin/cloud_updated' });
    assert.deepEqual(parseCloudResource('node/edge1'), { nodeId: 'edge1', edgeResource: '', ref: undefined });
    assert.deepEqual(parseCloudResource('node/edge1/ignore/Application/ignore').ref, { kind: 'object', namespace: 'ignore', resourceType: 'Application', name: 'ignore' });
  });

  for (const badText of ['', 'node', 'node/', 'node//default/pod/x', 'pods/edge1/default/pod/x', 'node/edge1/', 'node/edge1/default//x']) {
    it(`rejects ${JSON.stringify(badText)}`, () => {
      assert.equal(codeOf(() => parseCloudResource(badText)), BAD_RESOURCE);
    });
  }

  it('refuses an empty or "/"-containing node id', () => {
    assert.equal(codeOf(() => toCloudResource('', 'default/pod/x')), BAD_RESOURCE);
    assert.equal(codeOf(() => toCloudResource('a/b', 'default/pod/x')), BAD_RESOURCE);
  });
});
