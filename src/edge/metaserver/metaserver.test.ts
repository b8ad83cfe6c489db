import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isJsonObject, type JsonObject } from '../../base/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { openEdgeDb, type EdgeDb } from '../../platform/store/index.js';
import { MetaServerErrorCode, READ_ONLY_MESSAGE, parseServerAddress, startMetaServer, type RunningMetaServer } from './index.js';

function pod(ns: string, name: string, uid: string, extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid, resourceVersion: '4711', labels: { app: name }, creationTimestamp: '2026-11-27T10:00:00Z' },
    spec: { nodeName: 'edge-1', containers: [{ name: 'main', image: 'busybox:1.36' }] },
    status: { phase: 'Pending' },
    ...extra,
  };
}

function putObject(db: EdgeDb, type: string, ns: string, name: string, value: unknown): void {
  db.meta.put({ key: `${ns}/${type}/${name}`, type, value: typeof value === 'string' ? value : JSON.stringify(value) });
}

async function setup(t: TestContext, fill: (db: EdgeDb) => void = () => undefined): Promise<{ db: EdgeDb; ms: RunningMetaServer }> {
  const dir = mkdtempSync(join(tmpdir(), 'metaserver-'));
  const db = openEdgeDb(join(dir, 'edgecore.db'));
  fill(db);
  const ms = await startMetaServer({ db, log: silentLogger(), host: '127.0.0.1', port: 0, nodeName: 'edge-1' });
  t.after(async () => {
    await ms.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, ms };
}

async function getJson(ms: RunningMetaServer, path: string, init: RequestInit = {}): Promise<{ status: number; body: JsonObject }> {
  const r = await fetch(ms.url + path, init);
  const body = (await r.json()) as unknown;
  assert.ok(isJsonObject(body), `${path}: a JSON object`);
  return { status: r.status, body };
}

function itemsOf(list: JsonObject): JsonObject[] {
  assert.ok(Array.isArray(list['items']));
  return list['items'].filter(isJsonObject);
}

function metaOf(o: unknown): JsonObject {
  assert.ok(isJsonObject(o) && isJsonObject(o['metadata']));
  return o['metadata'];
}

/** A watch over plain HTTP: its events as they come, and a way to wait for the next one. */
async function watch(ms: RunningMetaServer, path: string): Promise<{ next(): Promise<JsonObject>; stop(): void }> {
  const ac = new AbortController();
  const r = await fetch(ms.url + path, { signal: ac.signal });
  assert.equal(r.status, 200);
  assert.ok(r.body !== null);
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  return {
    async next(): Promise<JsonObject> {
      for (;;) {
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.trim() === '') continue;
          const ev = JSON.parse(line) as unknown;
          assert.ok(isJsonObject(ev));
          if (ev['type'] === 'BOOKMARK') continue;
          return ev;
        }
        const chunk = await reader.read();
        if (chunk.done) throw new Error('watch ended');
        buf += decoder.decode(chunk.value, { stream: true });
      }
    },
    stop: () => ac.abort(),
  };
}

test('rows are served: list and get, pods with their podpatch status, cloud metadata kept', async (t) => {
  const { ms } = await setup(t, (db) => {
    putObject(db, 'pod', 'default', 'web-1', pod('default', 'web-1', 'uid-1'));
    putObject(db, 'pod', 'kube-system', 'dns', pod('kube-system', 'dns', 'uid-2'));
    putObject(db, 'podpatch', 'default', 'web-1', { metadata: { uid: 'uid-1' }, status: { phase: 'Running', podIP: '10.88.0.5', hostIP: '192.168.1.2' } });
    // A report for another incarnation of dns is not merged.
    putObject(db, 'podpatch', 'kube-system', 'dns', { metadata: { uid: 'old-uid' }, status: { phase: 'Failed' } });
    putObject(db, 'configmap', 'default', 'cfg', { metadata: { name: 'cfg', namespace: 'default', uid: 'uid-3' }, data: { a: '1' } });
    putObject(db, 'node', 'default', 'edge-1', { metadata: { name: 'edge-1', uid: 'uid-4' }, status: { nodeInfo: { kubeletVersion: 'v1.32' } } });
    putObject(db, 'nodepatch', 'default', 'edge-1', { status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    putObject(db, 'devicemodel', 'default', 'm', { metadata: { name: 'm' } }); // not a served type: ignored
  });
  const all = await getJson(ms, '/api/v1/pods');
  assert.equal(all.status, 200);
  assert.equal(all.body['kind'], 'PodList');
  const pods = itemsOf(all.body);
  assert.deepEqual(pods.map((p) => `${String(metaOf(p)['namespace'])}/${String(metaOf(p)['name'])}`), ['default/web-1', 'kube-system/dns']);
  const listRv = Number(metaOf(all.body)['resourceVersion']);
  for (const p of pods) assert.ok(Number(metaOf(p)['resourceVersion']) <= listRv, 'item resourceVersions are the mirror revisions');

  const one = await getJson(ms, '/api/v1/namespaces/default/pods/web-1');
  assert.equal(one.status, 200);
  const m = metaOf(one.body);
  assert.equal(m['uid'], 'uid-1');
  assert.deepEqual(m['labels'], { app: 'web-1' });
  assert.equal(m['creationTimestamp'], '2026-11-27T10:00:00Z');
  assert.notEqual(m['resourceVersion'], '4711', 'the cloud resourceVersion is replaced by the mirror revision');
  assert.deepEqual(one.body['status'], { phase: 'Running', podIP: '10.88.0.5', hostIP: '192.168.1.2' });
  assert.deepEqual((await getJson(ms, '/api/v1/namespaces/kube-system/pods/dns')).body['status'], { phase: 'Pending' });

  const cms = itemsOf((await getJson(ms, '/api/v1/namespaces/default/configmaps')).body);
  assert.deepEqual(cms.map((c) => c['data']), [{ a: '1' }]);
  assert.equal(cms[0]?.['kind'], 'ConfigMap');
  const node = await getJson(ms, '/api/v1/nodes/edge-1');
  assert.equal(node.status, 200);
  assert.equal(metaOf(node.body)['namespace'], undefined, 'a Node is cluster-scoped');
  assert.deepEqual(node.body['status'], { nodeInfo: { kubeletVersion: 'v1.32' }, conditions: [{ type: 'Ready', status: 'True' }] });

  const missing = await getJson(ms, '/api/v1/namespaces/default/pods/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.body['reason'], 'NotFound');
  const unknown = await getJson(ms, '/apis/devices.kubeedge.io/v1beta1/devicemodels');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body['kind'], 'Status');
  // Discovery and the read-only server's own state: nothing written by the server itself.
  assert.equal((await getJson(ms, '/version')).status, 200);
  assert.equal((await getJson(ms, '/api')).body['kind'], 'APIVersions');
  assert.deepEqual(itemsOf((await getJson(ms, '/api/v1/namespaces')).body), [], 'no default namespaces created in the mirror');
});

test('watch gets ADDED, MODIFIED and DELETED as meta rows change', async (t) => {
  const { db, ms } = await setup(t, (d) => putObject(d, 'pod', 'default', 'a', pod('default', 'a', 'uid-a')));
  const list = await getJson(ms, '/api/v1/namespaces/default/pods');
  const rv = String(metaOf(list.body)['resourceVersion']);
  const w = await watch(ms, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}`);
  t.after(() => w.stop());

  putObject(db, 'pod', 'default', 'b', pod('default', 'b', 'uid-b'));
  const added = await w.next();
  assert.equal(added['type'], 'ADDED');
  assert.equal(metaOf(added['object'])['name'], 'b');
  const addedRv = Number(metaOf(added['object'])['resourceVersion']);
  assert.ok(addedRv > Number(rv));

  putObject(db, 'podpatch', 'default', 'b', { metadata: { uid: 'uid-b' }, status: { phase: 'Running', podIP: '10.88.0.9' } });
  const modified = await w.next();
  assert.equal(modified['type'], 'MODIFIED');
  assert.ok(isJsonObject(modified['object']));
  assert.deepEqual(modified['object']['status'], { phase: 'Running', podIP: '10.88.0.9' });
  assert.ok(Number(metaOf(modified['object'])['resourceVersion']) > addedRv);

  // The same row written again changes nothing: no event. The next event is the delete.
  putObject(db, 'pod', 'default', 'b', pod('default', 'b', 'uid-b'));
  db.transaction(() => {
    db.meta.delete('default/podpatch/b');
    db.meta.delete('default/pod/b');
  });
  const deleted = await w.next();
  assert.equal(deleted['type'], 'DELETED');
  assert.equal(metaOf(deleted['object'])['name'], 'b');
  const after = itemsOf((await getJson(ms, '/api/v1/namespaces/default/pods')).body);
  assert.deepEqual(after.map((p) => metaOf(p)['name']), ['a']);
});

test('every write verb is refused with 405 MethodNotAllowed and counted; nothing changes', async (t) => {
  const { db, ms } = await setup(t, (d) => putObject(d, 'pod', 'default', 'a', pod('default', 'a', 'uid-a')));
  const before = db.meta.get('default/pod/a');
  const body = JSON.stringify(pod('default', 'a', 'uid-a'));
  const calls: [string, string, string | undefined, string | undefined][] = [
    ['POST', '/api/v1/namespaces/default/pods', body, 'application/json'],
    ['PUT', '/api/v1/namespaces/default/pods/a', body, 'application/json'],
    ['PATCH', '/api/v1/namespaces/default/pods/a', '{"metadata":{"labels":{"x":"y"}}}', 'application/merge-patch+json'],
    ['DELETE', '/api/v1/namespaces/default/pods/a', undefined, undefined],
    ['DELETE', '/api/v1/namespaces/default/pods', undefined, undefined],
    ['POST', '/api/v1/namespaces', '{"metadata":{"name":"x"}}', 'application/json'],
  ];
  for (const [method, path, b, type] of calls) {
    const r = await getJson(ms, path, { method, ...(b !== undefined ? { body: b } : {}), ...(type !== undefined ? { headers: { 'content-type': type } } : {}) });
    assert.equal(r.status, 405, `${method} ${path}`);
    assert.equal(r.body['kind'], 'Status');
    assert.equal(r.body['reason'], 'MethodNotAllowed');
    assert.equal(r.body['code'], 405);
    assert.equal(r.body['message'], READ_ONLY_MESSAGE);
  }
  assert.equal(ms.rejected().get('405'), calls.length);
  assert.deepEqual(db.meta.get('default/pod/a'), before);
  assert.equal(db.meta.count(), 1);
  const got = await getJson(ms, '/api/v1/namespaces/default/pods/a');
  assert.deepEqual(metaOf(got.body)['labels'], { app: 'a' });
});

test('malformed rows are skipped and counted, at load and on change; the rest is served', async (t) => {
  const { db, ms } = await setup(t, (d) => {
    putObject(d, 'pod', 'default', 'good', pod('default', 'good', 'uid-g'));
    putObject(d, 'pod', 'default', 'notjson', '{not json');
    putObject(d, 'pod', 'default', 'array', '[1,2]');
    putObject(d, 'pod', 'default', 'renamed', pod('default', 'other-name', 'uid-r'));
    putObject(d, 'pod', 'default', 'wrongns', pod('elsewhere', 'wrongns', 'uid-w'));
    d.meta.put({ key: 'too/many/parts/here', type: 'pod', value: JSON.stringify(pod('default', 'here', 'uid-h')) });
    putObject(d, 'podpatch', 'default', 'good', 'garbage');
  });
  assert.equal(ms.loaded(), false, 'nothing is built before the first request');
  const names = itemsOf((await getJson(ms, '/api/v1/pods')).body).map((p) => metaOf(p)['name']);
  assert.equal(ms.loaded(), true);
  assert.equal(ms.skippedRows(), 6);
  assert.deepEqual(names, ['good']);
  assert.deepEqual((await getJson(ms, '/api/v1/namespaces/default/pods/good')).body['status'], { phase: 'Pending' });

  // A served object whose row turns bad stops being served; a good row again brings it back.
  putObject(db, 'pod', 'default', 'good', 'null');
  assert.equal(ms.skippedRows(), 7);
  assert.equal((await getJson(ms, '/api/v1/namespaces/default/pods/good')).status, 404);
  putObject(db, 'podpatch', 'default', 'good', { metadata: { uid: 'uid-g' }, status: { phase: 'Running' } });
  putObject(db, 'pod', 'default', 'good', pod('default', 'good', 'uid-g'));
  assert.deepEqual((await getJson(ms, '/api/v1/namespaces/default/pods/good')).body['status'], { phase: 'Running' });
});

test('the address: HOST:PORT parsed, in use refused with a code', async (t) => {
  assert.deepEqual(parseServerAddress('127.0.0.1:10550'), { host: '127.0.0.1', port: 10550 });
  assert.deepEqual(parseServerAddress('[::1]:8080'), { host: '::1', port: 8080 });
  assert.throws(() => parseServerAddress('localhost'), (e: unknown) => (e as { code?: string }).code === MetaServerErrorCode.address);
  assert.throws(() => parseServerAddress('h:99999'), (e: unknown) => (e as { code?: string }).code === MetaServerErrorCode.address);
  const { db, ms } = await setup(t);
  await assert.rejects(
    startMetaServer({ db, log: silentLogger(), host: '127.0.0.1', port: ms.port, nodeName: 'edge-1' }),
    (e: unknown) => (e as { code?: string }).code === MetaServerErrorCode.listen,
  );
  // The failed one left no listener on the db: a write is still mirrored once, by the running server.
  putObject(db, 'configmap', 'default', 'c', { metadata: { name: 'c' } });
  assert.equal(itemsOf((await getJson(ms, '/api/v1/configmaps')).body).length, 1);
});
