/**
 * Issue 4, acceptance 5.
 *  - Bad input on the hub (a non-JSON text frame, a binary frame, an unknown operation, a frame over
 *    maxMessageBytes (4 MiB) but under the transport's hard cap (64 MiB), wrong types) costs one
 *    message: the same connection still answers a valid query, kubeedge_cloudhub_bad_messages_total
 *    rose, and the API server's /debug/store/integrity is ok.
 *  - Replay: the edge→cloud frames KubeEdge v1.15.4's edgecore sent (test/fixtures/wire, copied from the reference capture)
 *    are sent as node `edge-capture`; the replies have the shapes edgecore expects.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeMessage, newMessage, type KubeEdgeMessage } from '../../src/api/index.js';
import {
  arr,
  assertServingAndIntact,
  at,
  brief,
  EDGE_ROLE_LABEL,
  errCodeOf,
  fakeEdgeConnection,
  isNullObjectResp,
  isRecord,
  REPO_ROOT,
  replyContent,
  startCloudcore,
  str,
  type CloudcoreHandle,
  type FakeEdge,
} from '../harness/index.js';

const CAPTURE_DIR = process.env['WIRE_CAPTURE_DIR'] ?? path.resolve(REPO_ROOT, 'test', 'fixtures', 'wire');
const NODE = 'edge-capture';

/** The edge→cloud requests (not ACKs) of one capture file, in order. */
function captured(file: string): KubeEdgeMessage[] {
  const doc: unknown = JSON.parse(readFileSync(path.join(CAPTURE_DIR, file), 'utf8'));
  const out: KubeEdgeMessage[] = [];
  for (const chain of arr(doc, 'exchanges')) {
    for (const frame of Array.isArray(chain) ? chain : []) {
      if (!String(at(frame, 'dir')).startsWith('edge->cloud')) continue;
      const msg = decodeMessage(at(frame, 'msg'));
      if (msg.header.parent_msg_id !== undefined) continue; // an ACK of a stub reply
      out.push(msg);
    }
  }
  return out;
}

function withContent(msg: KubeEdgeMessage, content: unknown): KubeEdgeMessage {
  return { ...msg, content };
}

function setPath(obj: unknown, keys: readonly string[], value: unknown): unknown {
  if (!isRecord(obj)) return obj;
  const [k, ...rest] = keys;
  if (k === undefined) return value;
  return { ...obj, [k]: rest.length === 0 ? value : setPath(obj[k] ?? {}, rest, value) };
}

describe('bad input on the hub, and the replay of a KubeEdge edgecore session', { timeout: 300_000 }, () => {
  let cloud: CloudcoreHandle;
  let edge: FakeEdge;
  const uids: Record<string, string> = {};
  const cleanups: (() => unknown)[] = [];
  const owner = { after: (fn: () => unknown) => cleanups.push(fn) };

  before(async () => {
    cloud = await startCloudcore({ owner });
    const c = cloud.client;
    const create = async (p: string, body: unknown): Promise<unknown> => {
      const r = await c.post(p, body);
      assert.ok(r.status === 201 || r.status === 409, `POST ${p}: ${r.status} ${brief(r.text)}`);
      return r.body;
    };
    await create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'capture-cm', namespace: 'default' }, data: { 'greeting.txt': 'hello\n' } });
    await create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': cloud.caPem } });
    await create('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'capture-secret', namespace: 'default' }, data: { k: 'dg==' } });
    await create('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } });
    const pod1 = await create('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'capture-pod', namespace: 'default' },
      spec: { nodeName: NODE, automountServiceAccountToken: false, containers: [{ name: 'c1', image: 'busybox' }], volumes: [{ name: 'cm', configMap: { name: 'capture-cm' } }] },
    });
    const pod2 = await create('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'capture-pod2', namespace: 'default' },
      spec: {
        nodeName: NODE,
        serviceAccountName: 'default',
        containers: [{ name: 'c1', image: 'busybox' }],
        volumes: [
          { name: 'cm', configMap: { name: 'capture-cm' } },
          { name: 'sec', secret: { secretName: 'capture-secret' } },
          {
            name: 'kube-api-access-x7k2p',
            projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] },
          },
        ],
      },
    });
    uids['capture-pod'] = str(pod1, 'metadata.uid') ?? '';
    uids['capture-pod2'] = str(pod2, 'metadata.uid') ?? '';
    edge = await fakeEdgeConnection(cloud, NODE, { owner });
  });

  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  function assertObjectResp(what: string, reply: KubeEdgeMessage): unknown {
    const c = replyContent(reply);
    assert.ok(isRecord(c) && 'Object' in c && 'Err' in c, `${what}: expected an ObjectResp {"Object","Err"}, got ${brief(reply)}`);
    assert.ok(!isNullObjectResp(reply), `${what}: {"Object":null,"Err":null} crashes edgecore`);
    assert.equal(c['Err'], null, `${what}: the call failed: ${brief(c['Err'])}`);
    assert.ok(isRecord(c['Object']), `${what}: Object is not an object: ${brief(reply)}`);
    return c['Object'];
  }

  function assertFound(what: string, reply: KubeEdgeMessage, name: string): void {
    assert.equal(errCodeOf(reply), undefined, `${what}: ${brief(reply)}`);
    assert.equal(str(reply.content, 'metadata.name'), name, `${what}: expected the plain object, got ${brief(reply)}`);
    assert.match(reply.header.resourceversion ?? '', /^\d+$/, `${what}: header.resourceversion missing: ${brief(reply.header)}`);
    assert.equal(reply.header.resourceversion, str(reply.content, 'metadata.resourceVersion'), `${what}: header.resourceversion differs from the object's`);
  }

  function assertNotFound(what: string, reply: KubeEdgeMessage): void {
    const c = replyContent(reply);
    assert.ok(isRecord(c) && isRecord(c['ErrStatus']), `${what}: expected a bare {"ErrStatus"}, got ${brief(reply)}`);
    assert.equal(errCodeOf(reply), 404, brief(reply));
    assert.ok(!isNullObjectResp(reply));
  }

  async function replay(what: string, msg: KubeEdgeMessage): Promise<KubeEdgeMessage> {
    const reply = await edge.request(msg, 15_000);
    assert.equal(reply.header.parent_msg_id, msg.header.msg_id, `${what}: parent_msg_id`);
    assert.equal(reply.route.operation, 'response', `${what}: operation ${reply.route.operation}`);
    assert.equal(reply.route.resource, msg.route.resource, `${what}: resource`);
    return reply;
  }

  it('replays the captured edgecore session and gets the replies edgecore expects', async () => {
    const [nodeQueryMissing, nodeQueryFound] = captured('node-query.json');
    assert.ok(nodeQueryMissing && nodeQueryFound);
    assertNotFound('node query before registration', await replay('node query', nodeQueryMissing));

    const [register] = captured('node-register.json');
    assert.ok(register);
    const nodeObj = assertObjectResp('node insert', await replay('node insert', register));
    assert.equal(str(nodeObj, 'metadata.name'), NODE);
    assert.equal(at(nodeObj, ['metadata', 'labels', EDGE_ROLE_LABEL]), '', 'the edge label survives registration');
    assertFound('node query after registration', await replay('node query', nodeQueryFound), NODE);

    const [leaseQuery, leaseInsert, ...leaseUpdates] = captured('lease.json');
    assert.ok(leaseQuery && leaseInsert);
    const leaseQueryReply = await replay('lease query', leaseQuery);
    assert.equal(errCodeOf(leaseQueryReply), 404, brief(leaseQueryReply));
    assert.ok(!isNullObjectResp(leaseQueryReply));
    let lease = assertObjectResp('lease insert', await replay('lease insert', leaseInsert));
    for (const u of leaseUpdates) {
      // The capture's uid/resourceVersion are the stand-in cloud's; a real edge uses the ones we answered.
      let content = setPath(u.content, ['metadata', 'uid'], str(lease, 'metadata.uid'));
      content = setPath(content, ['metadata', 'resourceVersion'], str(lease, 'metadata.resourceVersion'));
      lease = assertObjectResp('lease update', await replay('lease update', withContent(u, content)));
    }

    for (const p of captured('nodestatus-patch.json')) {
      const obj = assertObjectResp('nodestatus patch', await replay('nodestatus patch', p));
      assert.ok(
        arr(obj, 'status.conditions').some((c) => str(c, 'type') === 'Ready' && str(c, 'status') === 'True'),
        `node not Ready after the status patch: ${brief(obj)}`,
      );
    }

    const [cmQuery] = captured('configmap-query.json');
    assert.ok(cmQuery);
    assertFound('configmap query', await replay('configmap query', cmQuery), 'capture-cm');

    for (const p of captured('podstatus.json')) {
      const patch: unknown = JSON.parse(typeof p.content === 'string' ? p.content : '{}');
      const fixed = JSON.stringify(setPath(patch, ['metadata', 'uid'], uids['capture-pod']));
      const obj = assertObjectResp('podstatus patch', await replay('podstatus patch', withContent(p, fixed)));
      assert.equal(str(obj, 'metadata.name'), 'capture-pod');
    }
    const lastPatch: unknown = JSON.parse(String(captured('podstatus.json').at(-1)?.content ?? '{}'));
    const pod = await cloud.client.get('/api/v1/namespaces/default/pods/capture-pod');
    const wantPhase = str(lastPatch, 'status.phase');
    if (wantPhase !== undefined) assert.equal(str(pod.body, 'status.phase'), wantPhase, 'the last status patch reached the API');
    assert.equal(arr(pod.body, 'status.containerStatuses').length, arr(lastPatch, 'status.containerStatuses').length, 'container statuses reached the API');

    const [secretQuery] = captured('secret-query.json');
    assert.ok(secretQuery);
    assertFound('secret query', await replay('secret query', secretQuery), 'capture-secret');

    const [rootCaQuery] = captured('configmap-query-kube-root-ca.json');
    assert.ok(rootCaQuery);
    assertFound('kube-root-ca.crt query', await replay('kube-root-ca.crt query', rootCaQuery), 'kube-root-ca.crt');

    const [tokenQuery] = captured('serviceaccounttoken-query.json');
    assert.ok(tokenQuery);
    const tr = await replay('serviceaccounttoken query', withContent(tokenQuery, setPath(tokenQuery.content, ['spec', 'boundObjectRef', 'uid'], uids['capture-pod2'])));
    assert.ok(!isNullObjectResp(tr), 'TokenRequest reply {"Object":null,"Err":null}');
    assert.equal(errCodeOf(tr), undefined, brief(tr));
    assert.ok((str(tr.content, 'status.token') ?? '') !== '', `TokenRequest reply without a token: ${brief(tr.content, 300)}`);

    // Keepalives get no reply and keep the session.
    for (const k of captured('keepalive.json')) await edge.send(k);
    assertFound('query after keepalives', await replay('node query', newMessage({ source: 'edged', group: 'meta', operation: 'query', resource: `default/node/${NODE}`, content: null })), NODE);
  });

  it('bad frames cost one message, are counted, and leave the store intact', async () => {
    const before = await cloud.metric('kubeedge_cloudhub_bad_messages_total');
    const valid = (): KubeEdgeMessage => newMessage({ source: 'edged', group: 'meta', operation: 'query', resource: 'default/configmap/capture-cm', content: null });
    const good = JSON.parse(JSON.stringify(valid())) as Record<string, unknown>;
    const bad: { what: string; send: () => Promise<void> }[] = [
      { what: 'non-JSON text', send: () => edge.sendText('this is {not json') },
      { what: 'binary frame', send: () => edge.sendBinary(new TextEncoder().encode(JSON.stringify(valid()))) },
      { what: 'unknown operation', send: () => edge.send(newMessage({ source: 'edged', group: 'meta', operation: 'frobnicate', resource: 'default/configmap/capture-cm', content: null })) },
      {
        what: 'oversized frame (5 MiB)',
        send: () => edge.send(newMessage({ source: 'edged', group: 'meta', operation: 'patch', resource: `default/podpatch/capture-pod`, content: 'x'.repeat(5 * 1024 * 1024) })),
      },
      { what: 'header.msg_id a number', send: () => edge.sendText(JSON.stringify({ ...good, header: { ...(good['header'] as object), msg_id: 42 } })) },
      { what: 'route not an object', send: () => edge.sendText(JSON.stringify({ ...good, route: 'default/configmap/capture-cm' })) },
      { what: 'JSON array', send: () => edge.sendText('[1,2,3]') },
    ];
    for (const b of bad) {
      await b.send();
      const reply = await edge.request(valid(), 15_000).catch((err: unknown) => {
        throw new Error(`after ${b.what}: the connection no longer answers: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      });
      assertFound(`query after ${b.what}`, reply, 'capture-cm');
      assert.ok(edge.open, `connection closed after ${b.what}`);
    }
    const afterCount = await cloud.metric('kubeedge_cloudhub_bad_messages_total');
    assert.ok(afterCount >= before + bad.length, `bad_messages_total rose by ${afterCount - before}, expected >= ${bad.length}`);
    const pod = await cloud.client.get('/api/v1/namespaces/default/pods/capture-pod');
    assert.equal(pod.status, 200);
    assert.ok(!JSON.stringify(pod.body).includes('xxxxxxxxxxxxxxxx'), 'the oversized patch was applied');
    await assertServingAndIntact(cloud, 'bad frames on the hub');
  });
});
