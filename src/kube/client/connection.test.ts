import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isKeError } from '../../base/index.js';
import { KubeConnection } from './connection.js';
import { KubeApiError } from './errors.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

describe('KubeConnection over plain HTTP', () => {
  let server: http.Server;
  let conn: KubeConnection;
  let handler: Handler = (_req, res) => res.end();

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => handler(req, res, body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    conn = new KubeConnection({ server: `http://127.0.0.1:${port}/prefix`, headers: { Authorization: 'Bearer t0ken' }, userAgent: 'test-agent' });
  });

  after(() => {
    conn.close();
    server.closeAllConnections();
    server.close();
  });

  test('sends JSON with query, headers and base path; parses the JSON answer', async () => {
    let seen: { method?: string; url?: string; auth?: string; ua?: string; ct?: string; body?: string } = {};
    handler = (req, res, body) => {
      seen = { method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization ?? '', ua: req.headers['user-agent'] ?? '', ct: req.headers['content-type'] ?? '', body };
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Pod', metadata: { name: 'é' } }));
    };
    const r = await conn.request({ method: 'POST', path: '/api/v1/pods', query: { fieldManager: 'me', skip: undefined, n: 3 }, body: { a: 1 } });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body, { kind: 'Pod', metadata: { name: 'é' } });
    assert.deepEqual(seen, { method: 'POST', url: '/prefix/api/v1/pods?fieldManager=me&n=3', auth: 'Bearer t0ken', ua: 'test-agent', ct: 'application/json', body: '{"a":1}' });
  });

  test('non-2xx answers are returned with their body; text stays text', async () => {
    handler = (_req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end('{"kind":"Status","code":404,"reason":"NotFound"}');
    };
    const r = await conn.request({ method: 'GET', path: '/x' });
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { kind: 'Status', code: 404, reason: 'NotFound' });
    handler = (_req, res) => res.end('ok');
    assert.deepEqual(await conn.request({ method: 'GET', path: '/healthz' }), { status: 200, body: 'ok' });
  });

  test('an aborted request fails with KE_KUBE_ABORTED', async () => {
    handler = () => undefined; // never answers
    const ac = new AbortController();
    const p = conn.request({ method: 'GET', path: '/hang', signal: ac.signal });
    ac.abort();
    await assert.rejects(p, (err) => isKeError(err, 'KE_KUBE_ABORTED'));
  });

  test('a refused connection fails with KE_KUBE_UNAVAILABLE', async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const dead = new KubeConnection({ server: `http://127.0.0.1:${port}` });
    await assert.rejects(dead.request({ method: 'GET', path: '/api' }), (err) => isKeError(err, 'KE_KUBE_UNAVAILABLE'));
    dead.close();
  });

  test('watchStream splits events across chunks (multi-byte too) and ends with the stream', async () => {
    let url = '';
    handler = (req, res) => {
      url = req.url ?? '';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const text =
        JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'ä€😀', resourceVersion: '1' } } }) +
        '\n' +
        JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '2' } } }) +
        '\n\n' +
        JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'b', resourceVersion: '3' } } });
      const bytes = Buffer.from(text + '\n', 'utf8');
      // one byte at a time: every boundary, including inside UTF-8 sequences
      for (let i = 0; i < bytes.length; i++) res.write(bytes.subarray(i, i + 1));
      res.end();
    };
    const events: string[] = [];
    const ac = new AbortController();
    for await (const ev of conn.watchStream('/api/v1/pods', { resourceVersion: '0', timeoutSeconds: 5 }, ac.signal)) {
      const meta = ev.object['metadata'] as { name?: string; resourceVersion?: string };
      events.push(`${ev.type} ${meta.name ?? ''}@${meta.resourceVersion ?? ''}`);
    }
    assert.deepEqual(events, ['ADDED ä€😀@1', 'BOOKMARK @2', 'DELETED b@3']);
    assert.equal(url, '/prefix/api/v1/pods?resourceVersion=0&timeoutSeconds=5&watch=true');
  });

  test('a refused watch throws the server Status; abort ends a watch quietly', async () => {
    handler = (_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end('{"kind":"Status","code":403,"reason":"Forbidden"}');
    };
    const ac = new AbortController();
    await assert.rejects(
      (async () => {
        for await (const _ of conn.watchStream('/api/v1/pods', {}, ac.signal)) void _;
      })(),
      (err) => err instanceof KubeApiError && err.code === 'KE_KUBE_FORBIDDEN' && err.status === 403,
    );
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) + '\n');
    };
    const seen: string[] = [];
    for await (const ev of conn.watchStream('/api/v1/pods', {}, ac.signal)) {
      seen.push(ev.type);
      ac.abort();
    }
    assert.deepEqual(seen, ['ADDED']);
  });

  test('a garbled watch line is KE_KUBE_BADRESPONSE', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.end('{"type":"ADDED","object":{}}\nnot json\n');
    };
    const types: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of conn.watchStream('/api/v1/pods', {}, new AbortController().signal)) types.push(ev.type);
      })(),
      (err) => isKeError(err, 'KE_KUBE_BADRESPONSE'),
    );
    assert.deepEqual(types, ['ADDED']);
  });
});
