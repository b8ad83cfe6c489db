import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '../../../kube/client/index.js';
import { MAX_TOKEN_SECONDS, checkTokenRequest } from './token-request.js';

const pods: V1Pod[] = [
  {
    metadata: { name: 'web', namespace: 'ns', uid: 'u-web' },
    spec: {
      nodeName: 'e1',
      serviceAccountName: 'app',
      containers: [],
      volumes: [{ name: 'tok', projected: { sources: [{ serviceAccountToken: { path: 't', audience: 'vault' } }] } }],
    },
  },
  { metadata: { name: 'other', namespace: 'ns', uid: 'u-other' }, spec: { nodeName: 'e1', containers: [] } },
];

const bound = (extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({ spec: { boundObjectRef: { kind: 'Pod', name: 'web', ...extra }, ...spec } });

test('unbound tokens and tokens bound to anything but a pod of the node running as the service account are refused', () => {
  assert.equal(checkTokenRequest({ spec: { audiences: null } }, 'ns', 'app', pods).ok, false, 'unbound');
  assert.equal(checkTokenRequest({}, 'ns', 'app', pods).ok, false, 'no spec');
  assert.equal(checkTokenRequest({ spec: { boundObjectRef: { kind: 'Secret', name: 'web' } } }, 'ns', 'app', pods).ok, false, 'bound to a Secret');
  assert.equal(checkTokenRequest(bound({ name: 'elsewhere' }), 'ns', 'app', pods).ok, false, 'pod not on the node');
  assert.equal(checkTokenRequest(bound({ uid: 'u-older' }), 'ns', 'app', pods).ok, false, 'another incarnation');
  assert.equal(checkTokenRequest(bound(), 'other-ns', 'app', pods).ok, false, 'another namespace');
  assert.equal(checkTokenRequest(bound({ name: 'other' }), 'ns', 'app', pods).ok, false, 'runs as "default", not "app"');
  assert.equal(checkTokenRequest(bound({ name: 'other' }), 'ns', 'default', pods).ok, true);
  const ok = checkTokenRequest(bound({ uid: 'u-web' }), 'ns', 'app', pods);
  assert.ok(ok.ok);
  assert.deepEqual(ok.spec['boundObjectRef'], { kind: 'Pod', name: 'web', apiVersion: 'v1', uid: 'u-web' });
});

test('expiry is capped; audiences are limited to what the pod projects, else the default', () => {
  const long = checkTokenRequest(bound({}, { expirationSeconds: 10 * 365 * 86400, audiences: ['vault', 'evil'] }), 'ns', 'app', pods);
  assert.ok(long.ok);
  assert.equal(long.spec['expirationSeconds'], MAX_TOKEN_SECONDS);
  assert.deepEqual(long.spec['audiences'], ['vault']);
  assert.deepEqual(long.droppedAudiences, ['evil']);
  const short = checkTokenRequest(bound({}, { expirationSeconds: 3607, audiences: ['evil'] }), 'ns', 'app', pods);
  assert.ok(short.ok);
  assert.equal(short.spec['expirationSeconds'], 3607);
  assert.equal('audiences' in short.spec, false, 'only the default audience');
});
