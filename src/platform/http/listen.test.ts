import assert from 'node:assert/strict';
import { createServer, get } from 'node:http';
import { test } from 'node:test';
import { closeServer, listenOn } from './listen.js';

test('listenOn resolves to the bound port, maps a listen error, and closeServer drops open connections', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { connection: 'keep-alive' });
    res.end('ok');
  });
  const port = await listenOn(server, '127.0.0.1', 0, (err) => err);
  assert.ok(port > 0);

  const body = await new Promise<string>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  assert.equal(body, 'ok');

  const second = createServer();
  await assert.rejects(listenOn(second, '127.0.0.1', port, (err) => new Error(`mapped: ${err.message}`)), /^Error: mapped: .*EADDRINUSE/);
  assert.equal(second.listening, false);

  await closeServer(server);
  assert.equal(server.listening, false);
});
