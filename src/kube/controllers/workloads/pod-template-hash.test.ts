import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1PodTemplateSpec } from '../../client/index.js';
import { canonicalJson, computePodTemplateHash, equalIgnoreHash, fnv32a, safeEncodeString } from './pod-template-hash.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const template = (image: string): V1PodTemplateSpec => ({
  metadata: { labels: { app: 'web', tier: 'front' } },
  spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 80, protocol: 'TCP' }] }], restartPolicy: 'Always' },
});

test('fnv32a matches the FNV-1a reference vectors', () => {
  assert.equal(fnv32a(enc('')), 0x811c9dc5);
  assert.equal(fnv32a(enc('a')), 0xe40c292c);
  assert.equal(fnv32a(enc('foobar')), 0xbf9cf968);
});

test('safeEncodeString maps decimal digits as Kubernetes does (only 4-9 and b, c, d, f)', () => {
  assert.equal(safeEncodeString('0123456789'), '456789bcdf');
});

test('the hash is stable, key-order independent and ignores empty values and its own label', () => {
  const h = computePodTemplateHash(template('nginx:1.26'));
  assert.match(h, /^[456789bcdf]{1,10}$/);
  assert.equal(computePodTemplateHash(template('nginx:1.26')), h);
  const reordered: V1PodTemplateSpec = {
    spec: { restartPolicy: 'Always', containers: [{ ports: [{ protocol: 'TCP', containerPort: 80 }], image: 'nginx:1.26', name: 'main' }] },
    metadata: { labels: { tier: 'front', app: 'web' } },
  };
  assert.equal(computePodTemplateHash(reordered), h);
  // what a Go client sends back: creationTimestamp null, empty resources
  const fromGo: unknown = {
    metadata: { creationTimestamp: null, labels: { app: 'web', tier: 'front' } },
    spec: { containers: [{ name: 'main', image: 'nginx:1.26', resources: {}, ports: [{ containerPort: 80, protocol: 'TCP' }] }], restartPolicy: 'Always' },
  };
  assert.equal(computePodTemplateHash(fromGo as V1PodTemplateSpec), h);
  const labelled = template('nginx:1.26');
  labelled.metadata = { labels: { ...labelled.metadata?.labels, 'pod-template-hash': h } };
  assert.equal(computePodTemplateHash(labelled), h);
});

test('a different template or collision count gives a different hash', () => {
  const h = computePodTemplateHash(template('nginx:1.26'));
  assert.notEqual(computePodTemplateHash(template('nginx:1.27')), h);
  assert.notEqual(computePodTemplateHash(template('nginx:1.26'), 1), h);
  assert.notEqual(computePodTemplateHash(template('nginx:1.26'), 1), computePodTemplateHash(template('nginx:1.26'), 2));
  // collisionCount 0 is hashed (as Kubernetes: a non-nil pointer)
  assert.notEqual(computePodTemplateHash(template('nginx:1.26'), 0), h);
});

test('equalIgnoreHash compares templates without the pod-template-hash label', () => {
  const a = template('nginx:1.26');
  const b = template('nginx:1.26');
  b.metadata = { labels: { ...b.metadata?.labels, 'pod-template-hash': 'abc' } };
  assert.ok(equalIgnoreHash(a, b));
  assert.ok(!equalIgnoreHash(a, template('nginx:1.27')));
  assert.equal(canonicalJson({ b: 1, a: [{ d: null, c: '' }] }), '{"a":[{}],"b":1}');
});
