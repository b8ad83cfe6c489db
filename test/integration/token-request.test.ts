/**
 * ServiceAccount TokenRequest on the embedded API server: a token bound to a pod authenticates as the
 * service account while the pod exists, and stops when the pod is gone; invalid requests are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { at, createNamespace, startCloudcore, str, type CloudcoreHandle } from '../harness/index.js';

describe('serviceaccounts/token', { timeout: 120_000 }, () => {
  let cc: CloudcoreHandle;
  const cleanups: (() => unknown)[] = [];
  const owner = { after: (fn: () => unknown) => cleanups.push(fn) };

  before(async () => {
    cc = await startCloudcore({ owner });
    await createNamespace(cc.client, 'tok');
    await cc.client.expect(201, { method: 'POST', path: '/api/v1/namespaces/tok/serviceaccounts', body: { metadata: { name: 'app' } } });
    await cc.client.expect(201, {
      method: 'POST',
      path: '/api/v1/namespaces/tok/pods',
      body: { metadata: { name: 'p' }, spec: { serviceAccountName: 'app', containers: [{ name: 'c', image: 'busybox' }] } },
    });
  });

  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  it('issues a bound token that authenticates until the pod is deleted', async () => {
    const pod = await cc.client.expect(200, { path: '/api/v1/namespaces/tok/pods/p' });
    const uid = str(pod, 'metadata.uid') ?? '';
    const tr = await cc.client.expect(201, {
      method: 'POST',
      path: '/api/v1/namespaces/tok/serviceaccounts/app/token',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid } } },
    });
    assert.equal(at(tr, 'kind'), 'TokenRequest');
    const token = str(tr, 'status.token') ?? '';
    assert.equal(token.split('.').length, 3);
    assert.match(str(tr, 'status.expirationTimestamp') ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(claims['sub'], 'system:serviceaccount:tok:app');

    const asSa = cc.clientWith({ kind: 'token', token });
    const list = await asSa.request({ path: '/api/v1/namespaces/tok/pods' });
    assert.equal(list.status, 200, list.text);
    const forged = cc.clientWith({ kind: 'token', token: `${token.slice(0, -4)}AAAA` });
    assert.equal((await forged.request({ path: '/api/v1/namespaces/tok/pods' })).status, 401);

    await cc.client.expect(200, { method: 'DELETE', path: '/api/v1/namespaces/tok/pods/p', query: { gracePeriodSeconds: 0 } });
    assert.equal((await asSa.request({ path: '/api/v1/namespaces/tok/pods' })).status, 401);
  });

  it('refuses a missing service account, a missing bound pod and a too-short expiry', async () => {
    const post = (sa: string, spec: unknown) =>
      cc.client.request({ method: 'POST', path: `/api/v1/namespaces/tok/serviceaccounts/${sa}/token`, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec } });
    assert.equal((await post('nobody', {})).status, 404);
    assert.equal((await post('app', { boundObjectRef: { kind: 'Pod', name: 'gone' } })).status, 404);
    assert.equal((await post('app', { expirationSeconds: 10 })).status, 422);
    assert.equal((await post('app', { boundObjectRef: { kind: 'Secret', name: 'x' } })).status, 422);
  });
});
