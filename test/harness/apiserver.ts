/**
 * Checks and small conveniences for tests against our Kubernetes API server, built on the
 * HTTPS client: create a namespace, wait for a resource path to be served, and the health and
 * store-integrity check every destructive test ends with.
 */
import assert from 'node:assert/strict';
import type { CloudcoreHandle } from './cloudcore.js';
import type { HttpsClient } from './https-client.js';
import { arr, at, brief } from './json.js';
import { waitUntil } from './net.js';

/** POST a namespace and require 201. */
export async function createNamespace(client: HttpsClient, name: string, labels: Record<string, string> = {}): Promise<unknown> {
  return client.expect(201, { method: 'POST', path: '/api/v1/namespaces', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } } });
}

/** Waits until GET `path` answers 200 (e.g. a custom resource list right after its CRD was created). */
export async function waitForPath(client: HttpsClient, path: string, timeoutMs = 30_000): Promise<void> {
  let last = 'no answer';
  try {
    await waitUntil(
      async () => {
        const r = await client.get(path);
        last = `${r.status} ${brief(r.text, 300)}`;
        return r.status === 200;
      },
      { timeoutMs, intervalMs: 200, what: `GET ${path} to answer 200` },
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last answer: ${last}`, { cause: err });
  }
}

/**
 * The server still serves (anonymous /readyz, an authenticated list) and GET /debug/store/integrity
 * reports `{ ok: true, problems: [] }`.
 */
export async function assertServingAndIntact(cc: CloudcoreHandle, context = ''): Promise<void> {
  const where = context === '' ? '' : ` (after ${context})`;
  const anon = cc.clientWith({ kind: 'anonymous' });
  try {
    const ready = await anon.get('/readyz');
    assert.equal(ready.status, 200, `GET /readyz${where}: ${ready.status} ${brief(ready.text)}`);
  } finally {
    anon.close();
  }
  const list = await cc.client.get('/api/v1/namespaces');
  assert.equal(list.status, 200, `GET /api/v1/namespaces${where}: ${list.status} ${brief(list.text)}`);
  assert.equal(list.jsonError, undefined, `GET /api/v1/namespaces${where} returned invalid JSON: ${brief(list.text)}`);
  assert.equal(at(list.body, 'kind'), 'NamespaceList', `GET /api/v1/namespaces${where}: ${brief(list.text)}`);
  const integ = await cc.client.get('/debug/store/integrity');
  assert.equal(integ.status, 200, `GET /debug/store/integrity${where}: ${integ.status} ${brief(integ.text)}`);
  assert.equal(integ.jsonError, undefined, `GET /debug/store/integrity${where} returned invalid JSON: ${brief(integ.text)}`);
  assert.equal(at(integ.body, 'ok'), true, `store integrity${where}: ${brief(integ.text)}`);
  assert.deepEqual(arr(integ.body, 'problems'), [], `store integrity problems${where}: ${brief(integ.text)}`);
}
