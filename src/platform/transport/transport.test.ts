import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { isKeError } from '../../base/index.js';
import { createCA, issueCert, type CertKeyPair } from '../certs/index.js';
import { WsFrameConnection } from './connection.js';
import { createFrameServer, dialFrameServer, TransportErrorCode, type FrameConnection, type FrameServer, type TlsMaterial, type UpgradeInfo } from './index.js';

let ca: CertKeyPair;
let otherCa: CertKeyPair;
let serverTls: TlsMaterial;
let clientTls: TlsMaterial;
let server: FrameServer;
const accepted: FrameConnection[] = [];
const upgrades: UpgradeInfo[] = [];
let waiters: ((c: FrameConnection) => void)[] = [];

before(async () => {
  ca = await createCA('test-ca');
  otherCa = await createCA('other-ca');
  const srv = await issueCert(ca, { commonName: 'KubeEdge', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], usage: 'server' });
  const cli = await issueCert(ca, { commonName: 'system:node:edge-1', organizations: ['system:nodes'], usage: 'client' });
  serverTls = { caPem: ca.certPem, certPem: srv.certPem, keyPem: srv.keyPem };
  clientTls = { caPem: ca.certPem, certPem: cli.certPem, keyPem: cli.keyPem };
  server = await createFrameServer({
    host: '127.0.0.1',
    port: 0,
    tls: serverTls,
    hardMaxFrameBytes: 1024,
    verifyUpgrade: (info) => {
      upgrades.push(info);
      return info.headers['node_id'] === 'forbidden' ? { ok: false, status: 403, message: 'node mismatch' } : { ok: true };
    },
    onConnection: (c) => {
      accepted.push(c);
      const w = waiters;
      waiters = [];
      for (const f of w) f(c);
    },
  });
});

after(async () => {
  await server.close();
});

function nextConnection(): Promise<FrameConnection> {
  return new Promise((resolve) => waiters.push(resolve));
}

function url(path = '/p1/edge-1/events'): string {
  return `wss://127.0.0.1:${server.port}${path}`;
}

function frames(conn: FrameConnection): { next(): Promise<string | Uint8Array> } {
  const queue: (string | Uint8Array)[] = [];
  let wake: (() => void) | undefined;
  conn.onFrame((f) => {
    queue.push(f);
    wake?.();
  });
  return {
    async next() {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      return queue.shift() as string | Uint8Array;
    },
  };
}

describe('frame transport', () => {
  test('mTLS connection: headers, peer CN, frames both ways, byte counters, close events', async () => {
    const serverSide = nextConnection();
    const client = await dialFrameServer({ url: url(), tls: clientTls, headers: { Node_id: 'edge-1', ConnectionUse: 'msg' }, handshakeTimeoutMs: 5000 });
    const srv = await serverSide;
    assert.equal(srv.peerCommonName, 'system:node:edge-1');
    assert.equal(srv.path, '/p1/edge-1/events');
    assert.equal(srv.headers['node_id'], 'edge-1');
    assert.equal(srv.headers['connectionuse'], 'msg');
    assert.ok(srv.peerCertExpiresAt !== undefined && srv.peerCertExpiresAt > Date.now());
    assert.equal(client.peerCommonName, 'KubeEdge');
    assert.equal(client.path, '/p1/edge-1/events');
    assert.ok(srv.open && client.open);

    const fromClient = frames(srv);
    const fromServer = frames(client);
    await client.send('{"hello":"cloud"}');
    assert.equal(await fromClient.next(), '{"hello":"cloud"}');
    await srv.send('{"hello":"edge"}');
    assert.equal(await fromServer.next(), '{"hello":"edge"}');
    assert.ok(client.bytesWritten > 0 && client.bytesRead > 0 && srv.bytesRead > 0);

    const closedServer = new Promise<number>((r) => srv.onClose((code) => r(code)));
    const closedClient = new Promise<number>((r) => client.onClose((code) => r(code)));
    client.close(1000, 'bye');
    assert.equal(await closedServer, 1000);
    assert.equal(await closedClient, 1000);
    assert.equal(srv.open, false);
    await assert.rejects(srv.send('x'), (e) => isKeError(e, TransportErrorCode.Closed));
    // a handler registered after close still hears about it
    assert.equal(await new Promise<number>((r) => srv.onClose((c) => r(c))), 1000);
  });

  test('binary frames and invalid UTF-8 text reach the handler as bytes; the connection stays', async () => {
    const serverSide = nextConnection();
    const raw = new WebSocket(url(), { ca: ca.certPem, cert: clientTls.certPem, key: clientTls.keyPem, headers: { node_id: 'edge-1' } });
    await new Promise<void>((resolve, reject) => {
      raw.once('open', () => resolve());
      raw.once('error', reject);
    });
    const srv = await serverSide;
    const got = frames(srv);
    raw.send(Buffer.from([1, 2, 3]), { binary: true });
    raw.send(Buffer.from([0xff, 0xfe]), { binary: false });
    raw.send('fine', { binary: false });
    assert.deepEqual(await got.next(), new Uint8Array([1, 2, 3]));
    assert.deepEqual(await got.next(), new Uint8Array([0xff, 0xfe]));
    assert.equal(await got.next(), 'fine');
    assert.ok(srv.open);
    raw.terminate();
  });

  test('our dial negotiates permessage-deflate; repeated small frames shrink; frames round-trip', async () => {
    let onConn: (c: FrameConnection) => void = () => undefined;
    const serverSide = new Promise<FrameConnection>((r) => (onConn = r));
    // the shared server caps frames at 1 KiB; this one lets frames above the compression threshold through
    const own = await createFrameServer({ host: '127.0.0.1', port: 0, tls: serverTls, onConnection: (c) => onConn(c) });
    after(() => own.close());
    const client = await dialFrameServer({ url: `wss://127.0.0.1:${own.port}/p1/edge-1/events`, tls: clientTls, headers: { node_id: 'edge-1' }, handshakeTimeoutMs: 5000 });
    const srv = await serverSide;
    assert.ok(client instanceof WsFrameConnection && srv instanceof WsFrameConnection);
    assert.equal(client.compressed, true);
    assert.equal(srv.compressed, true);
    const fromClient = frames(srv);
    const fromServer = frames(client);
    const lease = (i: number): string =>
      JSON.stringify({
        header: { msg_id: `0b7c6a1e-${String(i).padStart(4, '0')}-4d2f-9a3b-5c8e7f6d1a2b`, timestamp: 1700000000000 + i * 10_000, sync: true },
        route: { source: 'edged', group: 'meta', operation: 'update', resource: 'default/lease/edge-1' },
        content: { metadata: { name: 'edge-1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'edge-1', leaseDurationSeconds: 40, renewTime: `2026-11-27T15:3${i % 10}:00.000000Z` } },
      });
    const sizes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = client.bytesWritten;
      await client.send(lease(i));
      assert.equal(await fromClient.next(), lease(i));
      sizes.push(client.bytesWritten - before);
    }
    // with context takeover the later renewals cost a fraction of the ~330-byte frame
    const last = sizes.at(-1) ?? Infinity;
    assert.ok(last < lease(3).length / 3, `renewal frame took ${last} bytes (sizes ${sizes.join(', ')})`);
    // big frames both ways: the server never compresses its own frames (memory), the client always
    const big = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ name: `pod-${i}`, image: 'registry.local/app:1.2.3' })) });
    let before = srv.bytesWritten;
    await srv.send(big);
    assert.equal(await fromServer.next(), big);
    assert.ok(srv.bytesWritten - before >= big.length, 'the server sent its frame uncompressed');
    await srv.send('small');
    assert.equal(await fromServer.next(), 'small');
    before = client.bytesWritten;
    await client.send(big);
    assert.equal(await fromClient.next(), big);
    assert.ok(client.bytesWritten - before < big.length / 2, 'the client compressed its frame');
    await client.send('héllo ✓');
    assert.equal(await fromClient.next(), 'héllo ✓');
    client.close();
  });

  for (const [what, extensions] of [
    ['a plain client without extensions', undefined],
    ['a gorilla-style offer without client_max_window_bits', 'permessage-deflate; server_no_context_takeover; client_no_context_takeover'],
    ['a malformed extensions header', 'permessage-deflate; client_max_window_bits=99; bogus, x-other; a="b,c"'],
  ] as const) {
    test(`${what} still works, uncompressed`, async () => {
      const serverSide = nextConnection();
      const headers: Record<string, string> = { node_id: 'edge-1' };
      if (extensions !== undefined) headers['Sec-WebSocket-Extensions'] = extensions;
      const raw = new WebSocket(url(), { ca: ca.certPem, cert: clientTls.certPem, key: clientTls.keyPem, headers, perMessageDeflate: false });
      const rawFrames: string[] = [];
      raw.on('message', (d: Buffer) => rawFrames.push(d.toString('utf8')));
      await new Promise<void>((resolve, reject) => {
        raw.once('open', () => resolve());
        raw.once('error', reject);
      });
      const srv = await serverSide;
      assert.ok(srv instanceof WsFrameConnection);
      assert.equal(srv.compressed, false);
      const got = frames(srv);
      raw.send('{"a":1}', { binary: false });
      assert.equal(await got.next(), '{"a":1}');
      const big = 'y'.repeat(500) + 'z'.repeat(500);
      await srv.send(big);
      await srv.send('short');
      const deadline = Date.now() + 5000;
      while (rawFrames.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(rawFrames, [big, 'short']);
      raw.terminate();
    });
  }

  test('frames above the hard cap close the socket with 1009', async () => {
    const serverSide = nextConnection();
    const client = await dialFrameServer({ url: url(), tls: clientTls, headers: { node_id: 'edge-1' }, handshakeTimeoutMs: 5000 });
    const srv = await serverSide;
    const serverClosed = new Promise<number>((r) => srv.onClose((code) => r(code)));
    const clientClosed = new Promise<number>((r) => client.onClose((code) => r(code)));
    await client.send('x'.repeat(2048));
    assert.equal(await clientClosed, 1009);
    await serverClosed;
  });

  test('verifyUpgrade refusal answers with the status and message', async () => {
    await assert.rejects(dialFrameServer({ url: url(), tls: clientTls, headers: { node_id: 'forbidden' }, handshakeTimeoutMs: 5000 }), (e) => {
      assert.ok(isKeError(e, TransportErrorCode.Refused));
      assert.equal(e.details?.['status'], 403);
      assert.equal(e.details?.['message'], 'node mismatch');
      return true;
    });
    assert.equal(upgrades.at(-1)?.peerCommonName, 'system:node:edge-1');
  });

  test('a client without a certificate is refused', async () => {
    const before = accepted.length;
    await assert.rejects(
      dialFrameServer({ url: url(), tls: { caPem: ca.certPem, certPem: '', keyPem: '' }, headers: { node_id: 'edge-1' }, handshakeTimeoutMs: 5000 }),
      (e) => isKeError(e) && (e.code === TransportErrorCode.DialFailed || e.code === TransportErrorCode.Refused),
    );
    assert.equal(accepted.length, before);
  });

  test('a client certificate from another CA is refused', async () => {
    const foreign = await issueCert(otherCa, { commonName: 'system:node:edge-1', usage: 'client' });
    const before = accepted.length;
    await assert.rejects(
      dialFrameServer({ url: url(), tls: { caPem: ca.certPem, certPem: foreign.certPem, keyPem: foreign.keyPem }, headers: { node_id: 'edge-1' }, handshakeTimeoutMs: 5000 }),
      (e) => isKeError(e, TransportErrorCode.DialFailed),
    );
    assert.equal(accepted.length, before);
  });

  test('the client refuses a server not signed by its CA', async () => {
    await assert.rejects(
      dialFrameServer({ url: url(), tls: { ...clientTls, caPem: otherCa.certPem }, headers: { node_id: 'edge-1' }, handshakeTimeoutMs: 5000 }),
      (e) => isKeError(e, TransportErrorCode.DialFailed),
    );
  });

  test('a server that never answers the handshake: KE_TRANSPORT_TIMEOUT', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as AddressInfo).port;
    try {
      await assert.rejects(dialFrameServer({ url: `wss://127.0.0.1:${port}/x`, tls: clientTls, headers: {}, handshakeTimeoutMs: 200 }), (e) => isKeError(e, TransportErrorCode.Timeout));
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  test('an aborted dial rejects', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(dialFrameServer({ url: url(), tls: clientTls, headers: {}, handshakeTimeoutMs: 5000, signal: ac.signal }), (e) => isKeError(e, TransportErrorCode.DialFailed));
  });

  test('server close ends open connections', async () => {
    const own = await createFrameServer({ host: '127.0.0.1', port: 0, tls: serverTls, onConnection: () => undefined });
    const client = await dialFrameServer({ url: `wss://127.0.0.1:${own.port}/x`, tls: clientTls, headers: {}, handshakeTimeoutMs: 5000 });
    const closed = new Promise<number>((r) => client.onClose((c) => r(c)));
    await own.close();
    assert.equal(typeof (await closed), 'number');
    assert.equal(client.open, false);
  });
});
