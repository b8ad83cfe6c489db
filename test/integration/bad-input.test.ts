/**
 * Issue 2, acceptance 3: bad input gets the right Kubernetes Status, authentication is enforced,
 * and after every case the server still serves and its store passes the integrity check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WIDGET_CRD, widget, widgetsPath } from '../fixtures/widget-crd.js';
import {
  arr,
  assertServingAndIntact,
  at,
  brief,
  createNamespace,
  createTestCa,
  isRecord,
  num,
  rvOf,
  startCloudcore,
  str,
  waitForPath,
  type CloudcoreHandle,
  type HttpResponse,
} from '../harness/index.js';

const NS = 'bad-input';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const TOKEN = 'kubeedge-ts-test-token-0123456789';

/** Asserts a Kubernetes Status body with this code (and reason, when given). */
function assertStatus(r: HttpResponse, code: number, reason?: string): void {
  const what = `${r.request} -> ${r.status} ${brief(r.text)}`;
  assert.equal(r.status, code, what);
  assert.equal(r.jsonError, undefined, `${what}: invalid JSON`);
  assert.ok(isRecord(r.body), `${what}: body is not a JSON object`);
  assert.equal(at(r.body, 'kind'), 'Status', what);
  assert.equal(at(r.body, 'apiVersion'), 'v1', what);
  assert.equal(at(r.body, 'status'), 'Failure', what);
  assert.equal(num(r.body, 'code'), code, what);
  if (reason !== undefined) assert.equal(at(r.body, 'reason'), reason, what);
}

/** The `field`s of details.causes. */
function causeFields(r: HttpResponse): string[] {
  return arr(r.body, 'details.causes').map((c) => str(c, 'field') ?? '');
}

function configMap(name: string, data: Record<string, string> = { k: 'v' }): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data };
}

describe('API server: bad input, authentication, integrity', { timeout: 240_000 }, () => {
  let cc: CloudcoreHandle;

  before(async () => {
    cc = await startCloudcore({ tokens: [{ token: TOKEN, user: 'alice', uid: 'uid-alice', groups: ['system:masters', 'testers'] }] });
    await createNamespace(cc.client, NS);
    await cc.client.expect(201, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: WIDGET_CRD });
    await waitForPath(cc.client, widgetsPath(NS));
  });

  after(async () => {
    await cc?.dispose();
  });

  it('starts with a healthy, intact store', async () => {
    await assertServingAndIntact(cc);
  });

  it('answers malformed JSON with 400 Status and creates nothing', async () => {
    const r = await cc.client.post(CM, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"half-json"', { contentType: 'application/json' });
    assertStatus(r, 400, 'BadRequest');
    const notThere = await cc.client.get(`${CM}/half-json`);
    assert.equal(notThere.status, 404, `GET ${CM}/half-json after the malformed create: ${notThere.status} ${brief(notThere.text)}`);

    // A JSON body that is not an object at all.
    const r2 = await cc.client.post(CM, '[1,2,3]', { contentType: 'application/json' });
    assert.ok(r2.status === 400 || r2.status === 422, `POST a JSON array: expected 400 (or 422), got ${r2.status} ${brief(r2.text)}`);
    assert.equal(at(r2.body, 'kind'), 'Status', `POST a JSON array: ${brief(r2.text)}`);

    // A malformed patch body on an existing object.
    await cc.client.expect(201, { method: 'POST', path: CM, body: configMap('patch-target') });
    const r3 = await cc.client.patch(`${CM}/patch-target`, '{"data":{"k":', 'application/merge-patch+json');
    assertStatus(r3, 400, 'BadRequest');
    await assertServingAndIntact(cc, 'malformed JSON');
  });

  it('answers malformed YAML with 400 Status, and accepts well-formed YAML', async () => {
    const bad = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: half-yaml\n  labels: {a: b\ndata:\n  - : :\n';
    const r = await cc.client.post(CM, bad, { contentType: 'application/yaml' });
    assertStatus(r, 400, 'BadRequest');
    const good = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good-yaml\n  namespace: ${NS}\ndata:\n  greeting: hello\n`;
    const ok = await cc.client.post(CM, good, { contentType: 'application/yaml' });
    assert.equal(ok.status, 201, `POST well-formed YAML: ${ok.status} ${brief(ok.text)}`);
    assert.equal(str(ok.body, 'data.greeting'), 'hello', brief(ok.text));
    await assertServingAndIntact(cc, 'malformed YAML');
  });

  it('rejects invalid names with 422 Invalid and a metadata.name cause', async () => {
    const r = await cc.client.post(CM, configMap('Bad_Name'));
    assertStatus(r, 422, 'Invalid');
    assert.ok(causeFields(r).includes('metadata.name'), `causes of ${r.request}: ${brief(at(r.body, 'details'))}`);
    assert.equal(str(r.body, 'details.kind'), 'ConfigMap', brief(r.text));
    assert.equal(str(r.body, 'details.name'), 'Bad_Name', brief(r.text));

    const ns = await cc.client.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'UPPER.case' } });
    assertStatus(ns, 422, 'Invalid');
    assert.ok(causeFields(ns).includes('metadata.name'), `causes: ${brief(at(ns.body, 'details'))}`);

    // Neither name nor generateName.
    const noName = await cc.client.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: {} });
    assertStatus(noName, 422, 'Invalid');
    assert.ok(causeFields(noName).includes('metadata.name'), `causes: ${brief(at(noName.body, 'details'))}`);
    await assertServingAndIntact(cc, 'invalid names');
  });

  it('validates custom resources against the CRD schema: 422 with field causes', async () => {
    const path = widgetsPath(NS);
    const good = await cc.client.post(path, widget(NS, 'good', { size: 3, color: 'red' }));
    assert.equal(good.status, 201, `POST a valid Widget: ${good.status} ${brief(good.text)}`);
    for (const field of ['uid', 'resourceVersion', 'creationTimestamp']) {
      assert.ok(str(good.body, ['metadata', field]), `the created Widget has server-set metadata.${field}: ${brief(at(good.body, 'metadata'))}`);
    }

    const wrongType = await cc.client.post(path, widget(NS, 'wrong-type', { size: 'big' }));
    assertStatus(wrongType, 422, 'Invalid');
    assert.ok(causeFields(wrongType).some((f) => f.startsWith('spec.size')), `causes: ${brief(at(wrongType.body, 'details'))}`);

    const missing = await cc.client.post(path, widget(NS, 'missing', { color: 'blue' }));
    assertStatus(missing, 422, 'Invalid');
    assert.ok(causeFields(missing).some((f) => f.startsWith('spec.size')), `causes: ${brief(at(missing.body, 'details'))}`);

    const enumViolation = await cc.client.post(path, widget(NS, 'purple', { size: 2, color: 'purple' }));
    assertStatus(enumViolation, 422, 'Invalid');
    assert.ok(causeFields(enumViolation).some((f) => f.startsWith('spec.color')), `causes: ${brief(at(enumViolation.body, 'details'))}`);

    const tooBig = await cc.client.post(path, widget(NS, 'too-big', { size: 1000 }));
    assertStatus(tooBig, 422, 'Invalid');
    assert.ok(causeFields(tooBig).some((f) => f.startsWith('spec.size')), `causes: ${brief(at(tooBig.body, 'details'))}`);

    // An update that breaks the schema is rejected too, and the stored object is unchanged.
    const current = await cc.client.get(`${path}/good`);
    assert.equal(current.status, 200, brief(current.text));
    const badUpdate = await cc.client.put(`${path}/good`, { ...widget(NS, 'good', { size: -1, color: 'red' }), metadata: { name: 'good', namespace: NS, resourceVersion: str(current.body, 'metadata.resourceVersion') } });
    assertStatus(badUpdate, 422, 'Invalid');
    const after = await cc.client.get(`${path}/good`);
    assert.equal(num(after.body, 'spec.size'), 3, brief(after.text));

    const list = await cc.client.get(path);
    assert.equal(list.jsonError, undefined, `GET ${path}: invalid JSON: ${brief(list.text)}`);
    assert.deepEqual(arr(list.body, 'items').map((i) => str(i, 'metadata.name')), ['good'], `only the valid Widget exists: ${brief(list.text)}`);
    await assertServingAndIntact(cc, 'CRD schema violations');
  });

  it('answers unknown resources and objects with 404', async () => {
    for (const path of [`/api/v1/namespaces/${NS}/frobnicators`, '/apis/nope.example.com/v1/things', '/apis/example.com/v1/namespaces/bad-input/gadgets', '/api/v9/pods']) {
      const r = await cc.client.get(path);
      assert.equal(r.status, 404, `GET ${path}: ${r.status} ${brief(r.text)}`);
    }
    const post = await cc.client.post(`/api/v1/namespaces/${NS}/frobnicators`, { apiVersion: 'v1', kind: 'Frobnicator', metadata: { name: 'x' } });
    assert.equal(post.status, 404, `POST to an unknown resource: ${post.status} ${brief(post.text)}`);
    const missing = await cc.client.get(`${CM}/does-not-exist`);
    assertStatus(missing, 404, 'NotFound');
    assert.equal(str(missing.body, 'details.name'), 'does-not-exist', brief(missing.text));
    await assertServingAndIntact(cc, 'unknown resources');
  });

  it('rejects bodies over 3 MiB with 413', async () => {
    const big = configMap('too-big', { blob: 'x'.repeat(3 * 1024 * 1024 + 64 * 1024) });
    let r: HttpResponse;
    try {
      r = await cc.client.post(CM, big, { timeoutMs: 60_000 });
    } catch (err) {
      assert.fail(`POST of a 3.06 MiB body: expected HTTP 413, got a transport error: ${err instanceof Error ? err.message : String(err)}`);
    }
    assert.equal(r.status, 413, `POST of a 3.06 MiB body: ${r.status} ${brief(r.text)}`);
    if (isRecord(r.body)) assertStatus(r, 413);
    const notThere = await cc.client.get(`${CM}/too-big`);
    assert.equal(notThere.status, 404, brief(notThere.text));
    await assertServingAndIntact(cc, 'an oversized body');
  });

  it('rejects an update with a stale resourceVersion with 409 Conflict', async () => {
    const created = await cc.client.expect(201, { method: 'POST', path: CM, body: configMap('contended', { v: '1' }) });
    const rv1 = str(created, 'metadata.resourceVersion');
    assert.ok(rv1 !== undefined, brief(created));
    const first = await cc.client.put(`${CM}/contended`, { ...configMap('contended', { v: '2' }), metadata: { name: 'contended', namespace: NS, resourceVersion: rv1 } });
    assert.equal(first.status, 200, `first update: ${first.status} ${brief(first.text)}`);
    assert.ok(rvOf(first.body) > rvOf(rv1), `resourceVersion must grow: ${rv1} -> ${String(str(first.body, 'metadata.resourceVersion'))}`);

    const stale = await cc.client.put(`${CM}/contended`, { ...configMap('contended', { v: '3' }), metadata: { name: 'contended', namespace: NS, resourceVersion: rv1 } });
    assertStatus(stale, 409, 'Conflict');
    assert.equal(str(stale.body, 'details.name'), 'contended', brief(stale.text));

    const stalePatch = await cc.client.patch(`${CM}/contended`, { metadata: { resourceVersion: rv1 }, data: { v: '4' } }, 'application/merge-patch+json');
    assertStatus(stalePatch, 409, 'Conflict');

    const now = await cc.client.get(`${CM}/contended`);
    assert.equal(str(now.body, 'data.v'), '2', `the losing writes changed nothing: ${brief(now.text)}`);
    await assertServingAndIntact(cc, 'stale updates');
  });

  it('requires authentication except for health and version endpoints', async () => {
    const anon = cc.clientWith({ kind: 'anonymous' });
    for (const path of ['/api/v1/namespaces', `/api/v1/namespaces/${NS}/configmaps`, '/apis', '/debug/store/integrity']) {
      const r = await anon.get(path);
      assert.equal(r.status, 401, `anonymous GET ${path}: ${r.status} ${brief(r.text)}`);
      if (path === '/api/v1/namespaces') assertStatus(r, 401, 'Unauthorized');
    }
    const write = await anon.post(CM, configMap('anon-write'));
    assert.equal(write.status, 401, `anonymous POST: ${write.status} ${brief(write.text)}`);
    for (const path of ['/healthz', '/livez', '/readyz', '/version']) {
      const r = await anon.get(path);
      assert.equal(r.status, 200, `anonymous GET ${path}: ${r.status} ${brief(r.text)}`);
    }
    const version = await anon.get('/version');
    assert.equal(str(version.body, 'major'), '1', brief(version.text));
    assert.equal(str(version.body, 'minor'), '32', brief(version.text));
    assert.match(str(version.body, 'gitVersion') ?? '', /^v1\.32\./, brief(version.text));
    await assertServingAndIntact(cc, 'anonymous requests');
  });

  it('rejects a client certificate from another CA with 401', async () => {
    const ca = await createTestCa();
    const forged = await ca.issueClient('CN=admin, O=system:masters');
    const client = cc.clientWith({ kind: 'cert', cert: forged.certPem, key: forged.keyPem });
    let r: HttpResponse;
    try {
      r = await client.get('/api/v1/namespaces');
    } catch (err) {
      assert.fail(`GET /api/v1/namespaces with a foreign client certificate: expected HTTP 401, got a transport error (TLS handshake refused?): ${err instanceof Error ? err.message : String(err)}`);
    }
    assertStatus(r, 401, 'Unauthorized');
    await assertServingAndIntact(cc, 'a foreign client certificate');
  });

  it('authenticates bearer tokens from the token file', async () => {
    const alice = cc.clientWith({ kind: 'token', token: TOKEN });
    const r = await alice.get('/api/v1/namespaces');
    assert.equal(r.status, 200, `GET with a valid token: ${r.status} ${brief(r.text)}`);
    assert.equal(at(r.body, 'kind'), 'NamespaceList', brief(r.text));
    const created = await alice.post(CM, configMap('by-token'));
    assert.equal(created.status, 201, `POST with a valid token: ${created.status} ${brief(created.text)}`);

    const wrong = cc.clientWith({ kind: 'token', token: 'not-a-valid-token' });
    const denied = await wrong.get('/api/v1/namespaces');
    assertStatus(denied, 401, 'Unauthorized');
    await assertServingAndIntact(cc, 'token authentication');
  });

  it('refuses bodies that would be unsafe to process: __proto__ keys, absurd nesting, YAML alias bombs', async () => {
    const victim = await cc.client.post(CM, configMap('proto-victim'));
    assert.equal(victim.status, 201, brief(victim.text));
    const polluted = await cc.client.patch(`${CM}/proto-victim`, '{"metadata":{"__proto__":{"finalizers":["evil/x"]}}}', 'application/strategic-merge-patch+json');
    assertStatus(polluted, 400, 'BadRequest');
    const deep = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    assertStatus(await cc.client.post(CM, deep, { contentType: 'application/json' }), 400, 'BadRequest');
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f'].entries()) {
      const prev = ['a', 'b', 'c', 'd', 'e'][i] ?? 'a';
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    assertStatus(await cc.client.post(CM, levels.join('\n') + '\n', { contentType: 'application/yaml' }), 400, 'BadRequest');
    // the object deleted afterwards carries no finalizer from anywhere
    const gone = await cc.client.delete(`${CM}/proto-victim`);
    assert.equal(gone.status, 200, brief(gone.text));
    assert.equal((await cc.client.get(`${CM}/proto-victim`)).status, 404);
    await assertServingAndIntact(cc, 'unsafe bodies');
  });

  it('answers wrong methods on subresources, protected namespaces and future revisions like Kubernetes', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p-status' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    assert.equal((await cc.client.post(`/api/v1/namespaces/${NS}/pods`, pod)).status, 201);
    assertStatus(await cc.client.delete(`/api/v1/namespaces/${NS}/pods/p-status/status`), 405, 'MethodNotAllowed');
    assert.equal((await cc.client.get(`/api/v1/namespaces/${NS}/pods/p-status`)).status, 200, 'the pod is still there');
    assertStatus(await cc.client.delete('/api/v1/namespaces/kube-system'), 403, 'Forbidden');
    const w = await cc.client.get(CM, { watch: 'true', resourceVersion: '999999999' });
    assertStatus(w, 504, 'Timeout');
    assert.ok(arr(w.body, 'details.causes').some((c) => str(c, 'reason') === 'ResourceVersionTooLarge'), brief(w.text));
    await assertServingAndIntact(cc, 'methods and revisions');
  });

  it('counts every rejected request by code in /metrics', async () => {
    const r = await cc.client.get('/metrics');
    assert.equal(r.status, 200, brief(r.text));
    const count = (code: number): number => Number(new RegExp(`kubeedge_apiserver_rejected_requests_total\\{code="${code}"\\} (\\d+)`).exec(r.text)?.[1] ?? '0');
    // the cases above each caused at least one of these
    for (const code of [400, 401, 404, 409, 413, 422]) assert.ok(count(code) >= 1, `no rejected requests counted for ${code}:\n${r.text}`);
  });
});
