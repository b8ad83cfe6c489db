import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newMessage, type KubeEdgeMessage } from '../../api/index.js';
import { isKeError } from '../../base/index.js';
import { caHash } from '../../platform/certs/index.js';
import { markUnassign } from '../common/index.js';
import { TransportErrorCode } from '../../platform/transport/index.js';
import { readJoinToken } from './token-secret.js';
import { splitJoinToken, verifyJoinToken } from './join-token.js';
import { startHubEnv, type Edge, type HubEnv } from './test-env.js';

let env: HubEnv;

before(async () => {
  env = await startHubEnv({ maxMessageBytes: 4096 });
});
after(async () => {
  await env.close();
});

function up(op: string, resource: string, content: unknown = null, extra: { source?: string; group?: string; parent?: string } = {}): KubeEdgeMessage {
  const init = { source: extra.source ?? 'edged', group: extra.group ?? 'meta', operation: op, resource, content };
  return newMessage(extra.parent === undefined ? init : { ...init, parentId: extra.parent });
}

function pod(uid: string, name: string, rv: string): unknown {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid, resourceVersion: rv }, spec: { nodeName: 'x' } };
}

function down(node: string, op: string, resource: string, content: unknown, rv?: string): KubeEdgeMessage {
  const init = { source: 'edgecontroller', group: 'resource', operation: op, resource: `node/${node}/${resource}`, content };
  return newMessage(rv === undefined ? init : { ...init, resourceVersion: rv });
}

const counter = (name: string, labels: Record<string, string> = {}): number => {
  const line = env.metrics
    .render()
    .split('\n')
    .find((l) => {
      if (!l.startsWith(name)) return false;
      const rest = l.slice(name.length);
      const want = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      return want === '' ? rest.startsWith(' ') : rest.startsWith(`{${want}}`);
    });
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
};

async function refusedWith(p: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(p, (e) => isKeError(e, TransportErrorCode.Refused) && e.details?.['status'] === status);
}

async function connected(node: string): Promise<Edge> {
  const before = env.edgecontroller.length;
  const edge = await env.dial(node);
  await env.until(() => env.edgecontroller.slice(before).some((m) => m.route.operation === 'connected' && m.route.resource === `node/${node}`), `connected event of ${node}`);
  return edge;
}

describe('cloudhub', () => {
  test('writes the join token secret: sha256(CA).JWT valid for the CA key', async () => {
    let token = '';
    for (let i = 0; i < 400 && token === ''; i++) {
      token = await readJoinToken(env.client).catch(() => '');
      if (token === '') await new Promise((r) => setTimeout(r, 25));
    }
    const parts = splitJoinToken(token);
    assert.ok(parts !== undefined, token);
    assert.equal(parts.caHash, caHash(env.pki.ca.certPem));
    assert.deepEqual(verifyJoinToken(parts.jwt, env.pki.ca.keyPem, Date.now()), { ok: true });
  });

  test('upgrade refusals: not a node certificate, node_id missing or forged, path of another node', async () => {
    await refusedWith(env.dial('edge-x', { cn: 'admin' }), 403);
    await refusedWith(env.dial('edge-x', { headers: { project_id: 'p' } }), 403);
    await refusedWith(env.dial('edge-x', { headers: { Node_id: 'edge-other' } }), 403);
    await refusedWith(env.dial('edge-x', { path: '/p/edge-other/events' }), 403);
    assert.equal(counter('kubeedge_cloudhub_refused_total', { reason: 'node-id-mismatch' }), 1);
    assert.equal(env.hub.sessionCount(), 0);
  });

  test('connect: events to edgecontroller and synccontroller; upstream is prefixed and forwarded with its id', async () => {
    const edge = await connected('edge-1');
    assert.ok(env.synccontroller.some((m) => m.route.operation === 'connected' && m.route.resource === 'node/edge-1'));
    const ev = env.edgecontroller.find((m) => m.route.operation === 'connected');
    assert.equal((ev?.content as { event_type?: string }).event_type, 'connected');
    assert.equal(env.hub.sessionCount(), 1);

    const q = up('query', 'default/configmap/cm1');
    await edge.send({ header: { msg_id: 'k', timestamp: 1 }, route: { source: 'websocket', group: 'resource', operation: 'keepalive', resource: 'node' }, content: 'ping' });
    await edge.send(q);
    await env.until(() => env.edgecontroller.some((m) => m.header.msg_id === q.header.msg_id), 'forwarded query');
    const fwd = env.edgecontroller.find((m) => m.header.msg_id === q.header.msg_id);
    assert.equal(fwd?.route.resource, 'node/edge-1/default/configmap/cm1');
    assert.ok(!env.edgecontroller.some((m) => m.header.msg_id === 'k'), 'keepalive is consumed');
    edge.conn.close();
    await env.until(() => env.synccontroller.some((m) => m.route.operation === 'disconnected' && m.route.resource === 'node/edge-1'), 'disconnected event');
    assert.equal(env.hub.sessionCount(), 0);
  });

  test('bad frames are dropped and counted; the connection stays usable', async () => {
    const edge = await connected('edge-bad');
    await edge.send('not json');
    await edge.send(up('frobnicate', 'default/pod/x'));
    await edge.send(up('query', 'default/pod/' + 'x'.repeat(5000)));
    await edge.send(up('query', 'a//b'));
    await edge.send({ header: { msg_id: '', timestamp: 0 }, route: {}, content: null });
    const ok = up('query', 'default/secret/s1');
    await edge.send(ok);
    await env.until(() => env.edgecontroller.some((m) => m.header.msg_id === ok.header.msg_id), 'message after bad frames');
    assert.equal(counter('kubeedge_cloudhub_bad_messages_total', { reason: 'malformed' }), 1);
    assert.equal(counter('kubeedge_cloudhub_bad_messages_total', { reason: 'unknown-operation' }), 1);
    assert.equal(counter('kubeedge_cloudhub_bad_messages_total', { reason: 'oversized' }), 1);
    assert.equal(counter('kubeedge_cloudhub_bad_messages_total', { reason: 'bad-resource' }), 1);
    assert.ok(edge.conn.open);
    edge.conn.close();
  });

  test('Node, NodePatch and Lease of another node are refused with a 403 reply', async () => {
    const edge = await connected('edge-2');
    const other = up('patch', 'default/nodepatch/edge-1', '{}');
    const lease = up('update', 'default/lease/edge-2', {});
    const mine = up('patch', 'default/nodepatch/edge-2', '{}');
    await edge.send(other);
    await edge.send(lease);
    await edge.send(mine);
    await env.until(() => env.edgecontroller.some((m) => m.header.msg_id === mine.header.msg_id), 'own node patch forwarded');
    await env.until(() => edge.got.filter((m) => m.header.parent_msg_id === other.header.msg_id || m.header.parent_msg_id === lease.header.msg_id).length === 2, 'two refusals');
    const reply = edge.got.find((m) => m.header.parent_msg_id === other.header.msg_id);
    assert.equal(reply?.route.operation, 'response');
    assert.equal(reply?.route.resource, 'default/nodepatch/edge-1');
    const err = (reply?.content as { Object: unknown; Err: { ErrStatus: { code: number; reason: string } } }).Err.ErrStatus;
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.ok(!env.edgecontroller.some((m) => m.header.msg_id === other.header.msg_id || m.header.msg_id === lease.header.msg_id));
    assert.equal(counter('kubeedge_cloudhub_refused_total', { reason: 'other-node' }), 1);
    assert.equal(counter('kubeedge_cloudhub_refused_total', { reason: 'other-lease' }), 1);
    edge.conn.close();
  });

  test('downstream: edge resource on the wire; the ACK records the success point; stale versions are not sent', async () => {
    const edge = await connected('edge-3');
    const ins = down('edge-3', 'insert', 'default/pod/p1', pod('u1', 'p1', '10'), '10');
    env.down(ins);
    await env.until(() => edge.got.some((m) => m.header.msg_id === ins.header.msg_id), 'pod insert');
    const got = edge.got.find((m) => m.header.msg_id === ins.header.msg_id);
    assert.equal(got?.route.resource, 'default/pod/p1');
    assert.equal(got?.header.resourceversion, '10');
    await edge.send(up('response', 'default/pod/p1', 'OK', { source: 'edgecontroller', group: 'resource', parent: ins.header.msg_id }));
    await env.until(() => env.syncPoints.saves.length > 0, 'success point');
    assert.deepEqual(env.syncPoints.saves[0], { node: 'edge-3', obj: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'p1', uid: 'u1', resourceVersion: '10' } });

    // the same version again is not sent; a reply sent after it arrives first and alone
    env.down(down('edge-3', 'update', 'default/pod/p1', pod('u1', 'p1', '10'), '10'));
    const reply = newMessage({ source: 'edgecontroller', group: 'resource', operation: 'response', resource: 'node/edge-3/default/configmap/c', content: {}, parentId: 'req-1' });
    env.down(reply);
    await env.until(() => edge.got.some((m) => m.header.msg_id === reply.header.msg_id), 'reply');
    assert.equal(edge.got.filter((m) => m.route.resource === 'default/pod/p1').length, 1);

    const del = down('edge-3', 'delete', 'default/pod/p1', pod('u1', 'p1', '11'), '11');
    env.down(del);
    await env.until(() => edge.got.some((m) => m.header.msg_id === del.header.msg_id), 'delete');
    await edge.send(up('response', 'default/pod/p1', 'OK', { source: 'edgecontroller', group: 'resource', parent: del.header.msg_id }));
    await env.until(() => env.syncPoints.removes.length > 0, 'success point removed');
    assert.deepEqual(env.syncPoints.removes[0], { node: 'edge-3', namespace: 'default', uid: 'u1' });
    edge.conn.close();
  });

  test('unassign delete: the mark stays off the wire; the same version re-inserted behind it is sent after its ACK', async () => {
    const edge = await connected('edge-6');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm6', namespace: 'default', uid: 'cm-6', resourceVersion: '30' } };
    const ack = (m: KubeEdgeMessage): Promise<void> => edge.send(up('response', 'default/configmap/cm6', 'OK', { source: 'edgecontroller', group: 'resource', parent: m.header.msg_id }));
    const ins = down('edge-6', 'insert', 'default/configmap/cm6', cm, '30');
    env.down(ins);
    await env.until(() => edge.got.some((m) => m.header.msg_id === ins.header.msg_id), 'insert');
    await ack(ins);
    await env.until(() => env.syncPoints.acknowledged('edge-6', 'default', 'cm-6') === '30', 'success point');
    const del = markUnassign(down('edge-6', 'delete', 'default/configmap/cm6', cm, '30'));
    env.down(del);
    await env.until(() => edge.got.some((m) => m.header.msg_id === del.header.msg_id), 'unassign delete');
    assert.equal(edge.got.find((m) => m.header.msg_id === del.header.msg_id)?.header.type, undefined);
    const again = down('edge-6', 'insert', 'default/configmap/cm6', cm, '30');
    env.down(again);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(edge.got.some((m) => m.header.msg_id === again.header.msg_id), false, 'waits behind the in-flight delete');
    await ack(del);
    await env.until(() => edge.got.some((m) => m.header.msg_id === again.header.msg_id), 're-insert');
    edge.conn.close();
  });

  test('offline node: versions of one UID coalesce; the queue drains on connect; replies are dropped', async () => {
    env.down(down('edge-4', 'insert', 'default/configmap/c1', { metadata: { name: 'c1', uid: 'c-1', resourceVersion: '5' } }, '5'));
    env.down(down('edge-4', 'update', 'default/configmap/c1', { metadata: { name: 'c1', uid: 'c-1', resourceVersion: '6' } }, '6'));
    env.down(down('edge-4', 'insert', 'default/secret/s1', { metadata: { name: 's1', uid: 's-1', resourceVersion: '7' } }, '7'));
    env.down(newMessage({ source: 'edgecontroller', group: 'resource', operation: 'response', resource: 'node/edge-4/default/pod/x', content: {}, parentId: 'p' }));
    const edge = await env.dial('edge-4');
    await env.until(() => edge.got.length >= 2, 'queued messages');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      edge.got.map((m) => [m.route.resource, m.header.resourceversion]),
      [
        ['default/configmap/c1', '6'],
        ['default/secret/s1', '7'],
      ],
    );
    edge.conn.close();
  });

  test('no ACK: the message is resent with the same id after the interval', async () => {
    const edge = await connected('edge-5');
    const ins = down('edge-5', 'insert', 'default/pod/p5', pod('u5', 'p5', '20'), '20');
    env.down(ins);
    await env.until(() => edge.got.some((m) => m.header.msg_id === ins.header.msg_id), 'first send');
    const resends = counter('kubeedge_cloudhub_resends_total');
    await edge.send(up('keepalive', 'node', 'ping', { source: 'websocket', group: 'resource' }));
    await env.clock.advance(5000);
    await env.until(() => edge.got.filter((m) => m.header.msg_id === ins.header.msg_id).length === 2, 'resend');
    assert.equal(counter('kubeedge_cloudhub_resends_total'), resends + 1);
    edge.conn.close();
  });

  test('a second connection of the same node replaces the first', async () => {
    const first = await connected('edge-6');
    const second = await connected('edge-6');
    await env.until(() => first.closed !== undefined, 'first connection closed');
    assert.ok(second.conn.open);
    assert.equal(env.hub.sessionCount(), 1);
    const q = up('query', 'default/pod/z');
    await second.send(q);
    await env.until(() => env.edgecontroller.some((m) => m.header.msg_id === q.header.msg_id), 'query through the new session');
    second.conn.close();
    await env.until(() => env.hub.sessionCount() === 0, 'no sessions');
  });

  test('no frame within keepaliveInterval closes the session', async () => {
    const edge = await connected('edge-7');
    await env.clock.advance(29_000);
    const seen = counter('kubeedge_cloudhub_messages_total', { direction: 'upstream' });
    await edge.send(up('keepalive', 'node', 'ping', { source: 'websocket', group: 'resource' }));
    await env.until(() => counter('kubeedge_cloudhub_messages_total', { direction: 'upstream' }) > seen, 'keepalive counted');
    await env.clock.advance(29_000);
    assert.ok(edge.conn.open, 'a frame refreshed liveness');
    await env.clock.advance(2_000);
    await env.until(() => edge.closed !== undefined, 'session closed by keepalive timeout');
    await env.until(() => env.edgecontroller.some((m) => m.route.operation === 'disconnected' && m.route.resource === 'node/edge-7'), 'disconnected event');
  });
});
