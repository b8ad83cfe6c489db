import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeMessage, errorTo, responseTo, type KubeEdgeMessage } from '../../api/index.js';
import { createFakeClock, createRuntime, type FakeClock } from '../../beehive/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { MetricsRegistry } from '../../platform/metrics/index.js';
import { openEdgeDb, type EdgeDb } from '../../platform/store/index.js';
import { dialFrameServer, type FrameConnection } from '../../platform/transport/index.js';
import { readTlsMaterial } from './cert-files.js';
import { decodeDownstream, dispatchDownstream } from './downstream.js';
import { edgeHubMetrics, type EdgeHubMetrics } from './metrics.js';
import { HubSession } from './session.js';
import { NODE, cloud, conns, dir, files, probe, setupHubTestEnv, teardownHubTestEnv, upMsg, waitFor } from './test-env.js';
import { TokenBucket } from './token-bucket.js';
import { RESEND_AFTER_MS, UpstreamSender } from './upstream.js';

before(setupHubTestEnv);
after(teardownHubTestEnv);

interface Rig {
  sender: UpstreamSender;
  db: EdgeDb;
  clock: FakeClock;
  metrics: EdgeHubMetrics;
  /** Frames the stand-in cloud received on this connection. */
  frames: KubeEdgeMessage[];
  /** The cloud answers a frame. */
  reply(msg: KubeEdgeMessage): Promise<void>;
  /** How many times the cloud received this msg_id. */
  copies(msgId: string): number;
}

let dbSeq = 0;

/** A sender over a real connection to the stand-in cloud, on a real SQLite file, with a fake clock. */
async function rig(t: { after(fn: () => Promise<void> | void): void }): Promise<Rig> {
  const db = openEdgeDb(join(dir, `upstream-${dbSeq++}.db`));
  const clock = createFakeClock(Date.now());
  const log = silentLogger();
  const metrics = edgeHubMetrics(new MetricsRegistry());
  const controller = new AbortController();
  const hub = probe('websocket', 'hub');
  const rt = createRuntime<KubeEdgeMessage>({ modules: [hub.module], log });
  await rt.start();
  const n = conns.length;
  const conn: FrameConnection = await dialFrameServer({
    url: `wss://127.0.0.1:${cloud.port}/project/${NODE}/events`,
    tls: readTlsMaterial(files),
    headers: { node_id: NODE, project_id: 'project', ConnectionUse: 'msg' },
    handshakeTimeoutMs: 5_000,
  });
  await waitFor('cloud side', () => conns.length > n);
  const cloudSide = conns[n];
  assert.ok(cloudSide);
  const box: { sender?: UpstreamSender } = {};
  const session = new HubSession(conn, {
    clock,
    log,
    heartbeatMs: 3_600_000,
    readTimeoutMs: 3_600_000,
    writeTimeoutMs: 5_000,
    keepalive: () => '',
    onFrame: (data) => {
      const msg = decodeDownstream(data, { log, metrics });
      if (msg !== undefined && box.sender !== undefined) dispatchDownstream(msg, { ctx: hub.ctx(), log, metrics, settle: (r) => box.sender?.settle(r) ?? false });
    },
  });
  const sender = new UpstreamSender({ ctx: hub.ctx(), queue: db.upstream, clock, log, metrics, bucket: new TokenBucket(1_000, 1_000, clock), signal: controller.signal, session: () => session });
  box.sender = sender;
  sender.onConnected();
  t.after(async () => {
    controller.abort();
    session.close();
    await session.closed;
    await rt.stop();
    db.close();
  });
  const frames = cloudSide.frames;
  return {
    sender,
    db,
    clock,
    metrics,
    frames,
    reply: (msg) => cloudSide.conn.send(encodeMessage(msg)),
    copies: (msgId) => frames.filter((f) => f.header.msg_id === msgId).length,
  };
}

const status = (code: number, reason: string): unknown => ({ Object: null, Err: { ErrStatus: { kind: 'Status', status: 'Failure', code, reason, message: reason } } });
/** Lets replies travel over the real socket. */
const settleIo = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

describe('UpstreamSender: durable reports', { timeout: 60_000 }, () => {
  for (const [what, answer] of [
    ['503 ServiceUnavailable', (m: KubeEdgeMessage) => responseTo(m, status(503, 'ServiceUnavailable'))],
    ['500 InternalError', (m: KubeEdgeMessage) => responseTo(m, status(500, 'InternalError'))],
    ['429 TooManyRequests', (m: KubeEdgeMessage) => responseTo(m, status(429, 'TooManyRequests'))],
    ['a bare ErrStatus 504', (m: KubeEdgeMessage) => responseTo(m, { ErrStatus: { code: 504, reason: 'Timeout', message: 'timeout' } })],
    ['an error reply "timeout"', (m: KubeEdgeMessage) => errorTo(m, 'timeout')],
    ['an error reply "connection lost"', (m: KubeEdgeMessage) => errorTo(m, 'connection lost')],
  ] as const) {
    test(`a transient failure (${what}) keeps the row and resends it after 30 s`, async (t) => {
      const r = await rig(t);
      const report = upMsg('patch', 'default/podpatch/web', '{"status":{"phase":"Running"}}');
      await r.sender.handle(report);
      await waitFor('sent', () => r.copies(report.header.msg_id) === 1);
      await r.reply(answer(report));
      await settleIo();
      assert.equal(r.db.upstream.count(), 1, 'row kept');
      await r.clock.advance(RESEND_AFTER_MS - 1_000);
      r.sender.kick();
      await settleIo();
      assert.equal(r.copies(report.header.msg_id), 1, 'not resent before 30 s');
      await r.clock.advance(1_000);
      r.sender.kick();
      await waitFor('resent', () => r.copies(report.header.msg_id) === 2);
      await r.reply(responseTo(report, { Object: {}, Err: null }));
      await waitFor('accepted', () => r.db.upstream.count() === 0);
      assert.equal(r.sender.inFlightCount(), 0);
    });
  }

  for (const code of [400, 403, 404, 409, 422]) {
    test(`a final refusal (${code}) drops the row`, async (t) => {
      const r = await rig(t);
      const report = upMsg('update', 'default/podstatus/web', { phase: 'Running' });
      await r.sender.handle(report);
      await waitFor('sent', () => r.copies(report.header.msg_id) === 1);
      await r.reply(responseTo(report, status(code, 'Refused')));
      await waitFor('dropped', () => r.db.upstream.count() === 0);
      assert.equal(r.sender.inFlightCount(), 0);
      assert.equal(r.sender.nextResendInMs(), undefined);
    });
  }

  test('a newer row of a key waits until the in-flight one is answered, then the newest goes', async (t) => {
    const r = await rig(t);
    const first = upMsg('patch', 'default/podpatch/web', '{"status":{"phase":"Pending"}}');
    const second = upMsg('patch', 'default/podpatch/web', '{"status":{"phase":"Running"}}');
    const third = upMsg('patch', 'default/podpatch/web', '{"status":{"phase":"Succeeded"}}');
    const other = upMsg('patch', 'default/podpatch/db', '{"status":{"phase":"Running"}}');
    await r.sender.handle(first);
    await waitFor('first sent', () => r.copies(first.header.msg_id) === 1);
    await r.sender.handle(second);
    await r.sender.handle(third);
    await r.sender.handle(other);
    await waitFor('another key is not held back', () => r.copies(other.header.msg_id) === 1);
    await settleIo();
    assert.equal(r.copies(second.header.msg_id), 0);
    assert.equal(r.copies(third.header.msg_id), 0, 'not sent while the older row of the key is in flight');
    await r.reply(responseTo(first, { Object: {}, Err: null }));
    await waitFor('newest sent once the older is answered', () => r.copies(third.header.msg_id) === 1);
    assert.equal(r.copies(second.header.msg_id), 0, 'the replaced row is never sent');
    await r.reply(responseTo(third, { Object: {}, Err: null }));
    await r.reply(responseTo(other, { Object: {}, Err: null }));
    await waitFor('all answered', () => r.db.upstream.count() === 0);
  });

  test('a newer row of a key goes when the older unanswered one is due for a resend', async (t) => {
    const r = await rig(t);
    const first = upMsg('update', 'default/podstatus/web', { phase: 'Pending' });
    const second = upMsg('update', 'default/podstatus/web', { phase: 'Running' });
    await r.sender.handle(first);
    await waitFor('first sent', () => r.copies(first.header.msg_id) === 1);
    await r.sender.handle(second);
    await r.clock.advance(RESEND_AFTER_MS - 1);
    r.sender.kick();
    await settleIo();
    assert.equal(r.copies(second.header.msg_id), 0);
    await r.clock.advance(1);
    r.sender.kick();
    await waitFor('newest sent at the resend time', () => r.copies(second.header.msg_id) === 1);
    assert.equal(r.copies(first.header.msg_id), 1, 'the replaced row is not resent');
  });

  test('a transient failure of the older row lets the newer row go at once', async (t) => {
    const r = await rig(t);
    const first = upMsg('patch', 'default/nodepatch/edge-1', '{"status":{}}');
    const second = upMsg('patch', 'default/nodepatch/edge-1', '{"status":{"x":1}}');
    await r.sender.handle(first);
    await waitFor('first sent', () => r.copies(first.header.msg_id) === 1);
    await r.sender.handle(second);
    await r.reply(responseTo(first, status(503, 'ServiceUnavailable')));
    await waitFor('newer sent', () => r.copies(second.header.msg_id) === 1);
    assert.equal(r.copies(first.header.msg_id), 1);
  });

  test('answering a row that was replaced by coalescing leaves nothing in flight', async (t) => {
    const r = await rig(t);
    const first = upMsg('patch', 'default/podpatch/web', '{"status":{"phase":"Pending"}}');
    const second = upMsg('patch', 'default/podpatch/web', '{"status":{"phase":"Running"}}');
    await r.sender.handle(first);
    await waitFor('first sent', () => r.copies(first.header.msg_id) === 1);
    await r.sender.handle(second);
    await r.reply(responseTo(first, { Object: {}, Err: null }));
    await waitFor('second sent', () => r.copies(second.header.msg_id) === 1);
    await r.reply(responseTo(second, { Object: {}, Err: null }));
    await waitFor('answered', () => r.db.upstream.count() === 0);
    await settleIo();
    assert.equal(r.sender.nextResendInMs(), undefined, 'no in-flight entry left behind');
    assert.equal(r.sender.inFlightCount(), 0);
  });

  test('a store failure while settling a reply is counted and survived', async (t) => {
    const r = await rig(t);
    const report = upMsg('patch', 'default/podpatch/web', '{"status":{}}');
    await r.sender.handle(report);
    await waitFor('sent', () => r.copies(report.header.msg_id) === 1);
    r.db.close();
    await r.reply(responseTo(report, { Object: {}, Err: null }));
    await waitFor('error counted', () => r.metrics.errors.get({ site: 'settle' }) === 1);
    assert.equal(r.frames.length, 1);
  });
});
