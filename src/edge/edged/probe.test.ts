import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runProbe } from './probe.js';

const container = { name: 'c', ports: [{ name: 'web', containerPort: 1 }] };

test('httpGet passes on 2xx/3xx, fails otherwise; bad header values fail instead of throwing', async (t) => {
  const srv = createServer((req, res) => {
    res.statusCode = req.url === '/ok' ? 200 : 500;
    res.end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => srv.close());
  const port = (srv.address() as AddressInfo).port;
  const target = { host: '127.0.0.1', container, exec: () => Promise.resolve(true) };
  assert.equal(await runProbe({ httpGet: { path: '/ok', port } }, target), true);
  assert.equal(await runProbe({ httpGet: { path: '/bad', port } }, target), false);
  assert.equal(await runProbe({ httpGet: { path: '/ok', port, httpHeaders: [{ name: 'X', value: 'a\nb' }] } }, target), false);
  assert.equal(await runProbe({ httpGet: { path: '/ok', port, httpHeaders: [{ name: 'X', value: '\u0394' }] } }, target), false);
  assert.equal(await runProbe({ tcpSocket: { port } }, target), true);
  assert.equal(await runProbe({ tcpSocket: { port: 'nope' } }, target), false);
});

test('exec goes to the runtime; a throwing exec fails the probe', async () => {
  const ok = await runProbe({ exec: { command: ['true'] } }, { host: 'x', container, exec: (cmd) => Promise.resolve(cmd[0] === 'true') });
  assert.equal(ok, true);
  const thrown = await runProbe({ exec: { command: ['x'] } }, { host: 'x', container, exec: () => Promise.reject(new Error('gone')) });
  assert.equal(thrown, false);
  assert.equal(await runProbe({}, { host: 'x', container, exec: () => Promise.resolve(true) }), false);
});
