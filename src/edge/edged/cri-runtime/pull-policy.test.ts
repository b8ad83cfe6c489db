import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Secret } from '../../../kube/client/index.js';
import { pullCredentials, pullPolicy, registryHost } from './pull-policy.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('pull policy: explicit, else Always for :latest or no tag, IfNotPresent for a tag or digest', () => {
  assert.equal(pullPolicy({ name: 'c', image: 'busybox:1', imagePullPolicy: 'Never' }), 'Never');
  assert.equal(pullPolicy({ name: 'c', image: 'busybox' }), 'Always');
  assert.equal(pullPolicy({ name: 'c', image: 'busybox:latest' }), 'Always');
  assert.equal(pullPolicy({ name: 'c', image: '127.0.0.1:5000/x/busybox' }), 'Always');
  assert.equal(pullPolicy({ name: 'c', image: '127.0.0.1:5000/x/busybox:v1' }), 'IfNotPresent');
  assert.equal(pullPolicy({ name: 'c', image: 'busybox@sha256:abc' }), 'IfNotPresent');
});

test('registry host of an image reference', () => {
  assert.equal(registryHost('busybox'), 'docker.io');
  assert.equal(registryHost('library/busybox:1'), 'docker.io');
  assert.equal(registryHost('127.0.0.1:5000/x/y:1'), '127.0.0.1:5000');
  assert.equal(registryHost('registry.example.com/y'), 'registry.example.com');
  assert.equal(registryHost('localhost/y'), 'localhost');
});

test('credentials from dockerconfigjson and dockercfg secrets for the image registry only', () => {
  const json: V1Secret = {
    type: 'kubernetes.io/dockerconfigjson',
    data: {
      '.dockerconfigjson': b64(
        JSON.stringify({ auths: { '127.0.0.1:5000': { auth: b64('alice:s3cret') }, 'https://index.docker.io/v1/': { username: 'bob', password: 'pw' } } }),
      ),
    },
  };
  const cfg: V1Secret = { type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'http://127.0.0.1:5000': { username: 'carol', password: 'x' } })) } };
  const broken: V1Secret = { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{not json') } };
  assert.deepEqual(pullCredentials('127.0.0.1:5000/app:1', [broken, json, cfg]), [
    { serverAddress: '127.0.0.1:5000', username: 'alice', password: 's3cret' },
    { serverAddress: '127.0.0.1:5000', username: 'carol', password: 'x' },
  ]);
  assert.deepEqual(pullCredentials('busybox:1', [json]), [{ serverAddress: 'docker.io', username: 'bob', password: 'pw' }]);
  assert.deepEqual(pullCredentials('other.example.com/app:1', [json, cfg]), []);
});
