/**
 * Issue 2, acceptance 4: SIGKILL the server in the middle of a burst of concurrent writes; after a
 * restart on the same data dir every acknowledged write is there, unchanged, and the
 * resourceVersion sequence continues above every acknowledged one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arr, assertServingAndIntact, brief, createNamespace, rvOf, startCloudcore, str, type HttpsClient } from '../harness/index.js';

const NS = 'burst';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const TOTAL = 600;
const IN_FLIGHT = 32;
/** SIGKILL once this many creates have been acknowledged. */
const KILL_AFTER = 200;

interface Ack {
  readonly uid: string;
  readonly rv: bigint;
}

async function listAll(client: HttpsClient, path: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let cont: string | undefined;
  do {
    const r = await client.get(path, { limit: 250, ...(cont === undefined ? {} : { continue: cont }) });
    assert.equal(r.status, 200, `${r.request}: ${r.status} ${brief(r.text)}`);
    assert.equal(r.jsonError, undefined, `${r.request}: invalid JSON (${String(r.jsonError)}): ${brief(r.text)}`);
    items.push(...arr(r.body, 'items'));
    const next = str(r.body, 'metadata.continue');
    cont = next === undefined || next === '' ? undefined : next;
  } while (cont !== undefined);
  return items;
}

test('every acknowledged write survives kill -9 mid-burst, and resourceVersion continues', { timeout: 300_000 }, async (t) => {
  const cc = await startCloudcore({ owner: t });
  await createNamespace(cc.client, NS);

  const acked = new Map<string, Ack>();
  const failures: string[] = [];
  let unexpected: string | undefined;
  let killed: Promise<unknown> | undefined;
  let next = 0;
  const client = cc.clientWith({ kind: 'cert', cert: cc.adminCertPem, key: cc.adminKeyPem }, { keepAlive: true, maxSockets: IN_FLIGHT });

  const worker = async (): Promise<void> => {
    while (killed === undefined && next < TOTAL) {
      const name = `cm-${String(next++).padStart(4, '0')}`;
      try {
        const r = await client.post(CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { burst: 'yes' } }, data: { name, payload: 'p'.repeat(512) } });
        if (r.status === 201) {
          const uid = str(r.body, 'metadata.uid');
          if (uid === undefined) unexpected ??= `201 without metadata.uid for ${name}: ${brief(r.text)}`;
          acked.set(name, { uid: uid ?? '', rv: rvOf(r.body) });
          if (acked.size >= KILL_AFTER && killed === undefined) killed = cc.kill9();
        } else {
          unexpected ??= `POST ${name}: expected 201, got ${r.status} ${brief(r.text)}`;
        }
      } catch (err) {
        // Connection reset / refused: the server is gone. Not acknowledged.
        failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
        if (killed === undefined) unexpected ??= `POST ${name} failed before the kill: ${String(err)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()));
  client.close();
  assert.equal(unexpected, undefined, unexpected);
  assert.ok(killed !== undefined, `the server was never killed: only ${acked.size} of ${TOTAL} creates were acknowledged`);
  const exit = await killed;
  t.diagnostic(`acknowledged ${acked.size} creates before/around SIGKILL; ${failures.length} requests failed in flight; exit ${JSON.stringify(exit)}`);
  assert.ok(acked.size >= KILL_AFTER, `acknowledged ${acked.size}`);
  assert.ok(acked.size < TOTAL, `the kill came after the burst had finished (${acked.size} of ${TOTAL} acknowledged), so it proves nothing`);

  await cc.start();

  const items = await listAll(cc.client, CM);
  const stored = new Map<string, unknown>();
  for (const it of items) {
    const name = str(it, 'metadata.name');
    if (name !== undefined) stored.set(name, it);
  }
  const lost: string[] = [];
  const changed: string[] = [];
  for (const [name, ack] of acked) {
    const obj = stored.get(name);
    if (obj === undefined) {
      lost.push(name);
      continue;
    }
    if (str(obj, 'metadata.uid') !== ack.uid || rvOf(obj) !== ack.rv || str(obj, 'data.name') !== name) {
      changed.push(`${name}: acknowledged uid ${ack.uid} rv ${ack.rv}, stored ${brief({ uid: str(obj, 'metadata.uid'), rv: str(obj, 'metadata.resourceVersion'), data: str(obj, 'data.name') })}`);
    }
  }
  assert.deepEqual(lost, [], `${lost.length} acknowledged creates are missing after restart (of ${acked.size})`);
  assert.deepEqual(changed, [], 'acknowledged objects changed across the crash');

  // Each acknowledged object is also readable on its own.
  for (const name of [...acked.keys()].slice(0, 20)) {
    const r = await cc.client.get(`${CM}/${name}`);
    assert.equal(r.status, 200, `GET ${name} after restart: ${r.status} ${brief(r.text)}`);
  }

  // The sequence continues: a new write is above everything acknowledged before the crash.
  const maxAcked = [...acked.values()].reduce((m, a) => (a.rv > m ? a.rv : m), 0n);
  const after = await cc.client.expect(201, { method: 'POST', path: CM, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' }, data: { ok: 'yes' } } });
  assert.ok(rvOf(after) > maxAcked, `new resourceVersion ${String(str(after, 'metadata.resourceVersion'))} must be greater than every acknowledged one (max ${maxAcked})`);
  const list = await cc.client.get(CM, { limit: 1 });
  assert.ok(rvOf(str(list.body, 'metadata.resourceVersion')) >= rvOf(after), `list resourceVersion ${brief(str(list.body, 'metadata.resourceVersion'))} is behind the last write`);

  await assertServingAndIntact(cc, 'kill -9 and restart');
});
