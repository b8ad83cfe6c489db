/**
 * An edge that stops reading: cloudhub's writes stall and the session is closed after writeTimeout,
 * instead of buffering without bound. The edge is a bare TLS socket that completes the WebSocket
 * handshake by hand and then never reads again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { newMessage } from '../../api/index.js';
import { issueCert } from '../../platform/certs/index.js';
import { startHubEnv, type HubEnv } from './test-env.js';

let env: HubEnv;
before(async () => {
  env = await startHubEnv({ writeTimeout: 0.5 });
});
after(async () => {
  await env.close();
});

async function stalledEdge(node: string): Promise<TLSSocket> {
  const cert = await issueCert(env.pki.ca, { commonName: `system:node:${node}`, usage: 'client' });
  const socket = connect({ host: '127.0.0.1', port: env.hub.ports().websocket, ca: env.pki.ca.certPem, cert: cert.certPem, key: cert.keyPem });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(
    `GET /p/${node}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nNode_id: ${node}\r\n\r\n`,
  );
  const head = await new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))));
  assert.match(head, /^HTTP\/1\.1 101/);
  socket.pause();
  socket.on('error', () => undefined);
  return socket;
}

test('a session whose writes stall is closed after writeTimeout', async () => {
  const socket = await stalledEdge('edge-stuck');
  await env.until(() => env.hub.sessionCount() === 1, 'session');
  const big = 'x'.repeat(1024 * 1024);
  for (let i = 0; i < 64; i++) {
    env.down(newMessage({ source: 'edgecontroller', group: 'resource', operation: 'response', resource: 'node/edge-stuck/default/configmap/c', content: big, parentId: `p${i}` }));
  }
  await env.until(() => env.hub.sessionCount() === 0, 'session closed by the write timeout', 20_000);
  await env.until(() => env.edgecontroller.some((m) => m.route.operation === 'disconnected' && m.route.resource === 'node/edge-stuck'), 'disconnected event');
  socket.destroy();
});
