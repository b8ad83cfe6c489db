import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { isKeError } from '../../base/index.js';
import { caHash, certInfo, createCA, isIssuedBy, issueCert, signCsr, type CertKeyPair } from '../../platform/certs/index.js';
import { bootstrapCertificates, needsBootstrap } from './bootstrap.js';
import { EdgeHubErrorCode } from './errors.js';
import { renewCertificate, rotationDelayMs, rotationLoop } from './rotation.js';
import { createFakeClock } from '../../beehive/index.js';
import { silentLogger } from '../../platform/log/index.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln';

interface Seen {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  peerCN: string;
}

let ca: CertKeyPair;
let otherCa: CertKeyPair;
let server: Server;
let port = 0;
let mode: 'ok' | 'expired' = 'ok';
const seen: Seen[] = [];
let dir = '';

function der(pem: string): Buffer {
  return new X509Certificate(pem).raw;
}

before(async () => {
  ca = await createCA('kubeedge-test-ca');
  otherCa = await createCA('other-ca');
  const srv = await issueCert(ca, { commonName: 'KubeEdge', ipAddresses: ['127.0.0.1'], usage: 'server' });
  server = createServer({ cert: srv.certPem, key: srv.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sock = req.socket as TLSSocket;
      const peer = sock.authorized ? sock.getPeerCertificate() : undefined;
      const peerCN = peer?.subject?.CN;
      const s: Seen = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), peerCN: typeof peerCN === 'string' ? peerCN : '' };
      seen.push(s);
      void (async () => {
        if (s.path === '/ca.crt') {
          res.writeHead(200).end(der(ca.certPem));
          return;
        }
        if (s.path !== '/edge.crt') return void res.writeHead(404).end('not found');
        const node = String(req.headers['nodename'] ?? '');
        const byToken = req.headers['authorization'] === `Bearer ${JWT}` && mode === 'ok';
        const byCert = s.peerCN === `system:node:${node}`;
        if (!byToken && !byCert) return void res.writeHead(401).end(mode === 'expired' ? 'token expired' : 'unauthorized');
        const pem = await signCsr(ca, s.body, { usage: 'client' });
        res.writeHead(200).end(der(pem));
      })().catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  dir = mkdtempSync(join(tmpdir(), 'edgehub-bootstrap-'));
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function files(name: string): { caFile: string; certFile: string; keyFile: string } {
  return { caFile: join(dir, name, 'ca', 'rootCA.crt'), certFile: join(dir, name, 'certs', 'server.crt'), keyFile: join(dir, name, 'certs', 'server.key') };
}

function opts(name: string, token: string, nodeName = 'edge-1'): Parameters<typeof bootstrapCertificates>[0] {
  return { httpServer: `https://127.0.0.1:${port}`, token, nodeName, ...files(name), timeoutMs: 5_000 };
}

describe('bootstrapCertificates', () => {
  test('fetches and checks the CA, then gets a node certificate with the JWT', async () => {
    seen.length = 0;
    const f = files('ok');
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1'), true);
    await bootstrapCertificates(opts('ok', `${caHash(ca.certPem)}.${JWT}`));
    const certPem = readFileSync(f.certFile, 'utf8');
    assert.equal(certInfo(certPem).subjectCN, 'system:node:edge-1');
    assert.deepEqual(certInfo(certPem).organizations, ['system:nodes']);
    assert.ok(isIssuedBy(certPem, ca.certPem));
    assert.equal(caHash(readFileSync(f.caFile, 'utf8')), caHash(ca.certPem));
    assert.equal(statSync(f.keyFile).mode & 0o777, 0o600);
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1'), false);
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-2'), true);
    const req = seen.find((s) => s.path === '/edge.crt');
    assert.ok(req);
    assert.equal(req.headers['nodename'], 'edge-1');
    assert.match(req.body, /BEGIN CERTIFICATE REQUEST/);
  });

  test('refuses a CA whose hash is not the token one', async () => {
    const f = files('mismatch');
    await assert.rejects(bootstrapCertificates(opts('mismatch', `${caHash(otherCa.certPem)}.${JWT}`)), (err) => isKeError(err, EdgeHubErrorCode.CaHashMismatch));
    assert.throws(() => statSync(f.caFile));
    assert.throws(() => statSync(f.certFile));
  });

  test('a 401 is a rejected token carrying the server text', async () => {
    mode = 'expired';
    try {
      await assert.rejects(bootstrapCertificates(opts('expired', `${caHash(ca.certPem)}.${JWT}`)), (err) => {
        assert.ok(isKeError(err, EdgeHubErrorCode.TokenRejected));
        assert.equal(err.details?.['answer'], 'token expired');
        return true;
      });
    } finally {
      mode = 'ok';
    }
  });

  test('an unreachable cloud names the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(bootstrapCertificates({ ...opts('down', `${caHash(ca.certPem)}.${JWT}`), httpServer: `https://127.0.0.1:${freePort}` }), (err) => {
      assert.ok(isKeError(err, EdgeHubErrorCode.CloudUnreachable));
      assert.equal(err.details?.['url'], `https://127.0.0.1:${freePort}/ca.crt`);
      assert.equal(err.details?.['code'], 'ECONNREFUSED');
      return true;
    });
  });

  test('malformed tokens are refused before any request', async () => {
    seen.length = 0;
    for (const token of ['no-dot-here', `zz${caHash(ca.certPem).slice(2)}.${JWT}`, `${caHash(ca.certPem)}.`, `abc.${JWT}`]) {
      await assert.rejects(bootstrapCertificates(opts('bad', token)), (err) => isKeError(err, EdgeHubErrorCode.TokenMalformed));
    }
    assert.equal(seen.length, 0);
  });
});

describe('needsBootstrap', () => {
  test('a key that is not the certificate one needs a new bootstrap', async () => {
    const f = files('mixed');
    await bootstrapCertificates(opts('mixed', `${caHash(ca.certPem)}.${JWT}`));
    const stranger = await issueCert(ca, { commonName: 'system:node:edge-1', usage: 'client' });
    writeFileSync(f.keyFile, stranger.keyPem);
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1'), true);
    writeFileSync(f.certFile, 'garbage');
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1'), true);
  });

  test('an expired or not yet valid certificate needs a new bootstrap, unless validity is not checked', async () => {
    const f = files('validity');
    await bootstrapCertificates(opts('validity', `${caHash(ca.certPem)}.${JWT}`));
    const day = 24 * 3600 * 1000;
    const expired = await issueCert(ca, { commonName: 'system:node:edge-1', usage: 'client', days: 30, now: new Date(Date.now() - 60 * day) });
    writeFileSync(f.certFile, expired.certPem);
    writeFileSync(f.keyFile, expired.keyPem);
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1'), true);
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1', { checkValidity: false }), false);
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1', { now: Date.now() - 45 * day }), false, 'valid at that time');
    const future = await issueCert(ca, { commonName: 'system:node:edge-1', usage: 'client', days: 30, now: new Date(Date.now() + 10 * day) });
    writeFileSync(f.certFile, future.certPem);
    writeFileSync(f.keyFile, future.keyPem);
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1'), true);
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1', { now: Date.now() + 20 * day }), false);
  });
});

describe('certificate rotation', () => {
  test('renews with the current client certificate and no token', async () => {
    const f = files('rotate');
    await bootstrapCertificates(opts('rotate', `${caHash(ca.certPem)}.${JWT}`));
    const before = readFileSync(f.certFile, 'utf8');
    const beforeKey = readFileSync(f.keyFile, 'utf8');
    seen.length = 0;
    await renewCertificate({ httpServer: `https://127.0.0.1:${port}`, nodeName: 'edge-1', ...f, timeoutMs: 5_000, signal: new AbortController().signal });
    const after = readFileSync(f.certFile, 'utf8');
    assert.notEqual(after, before);
    assert.notEqual(readFileSync(f.keyFile, 'utf8'), beforeKey);
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1'), false);
    const req = seen.find((s) => s.path === '/edge.crt');
    assert.ok(req);
    assert.equal(req.headers['authorization'], undefined);
    assert.equal(req.peerCN, 'system:node:edge-1');
  });

  test('the renewal point lies between 70 % and 90 % of the lifetime', async () => {
    const cert = await issueCert(ca, { commonName: 'system:node:edge-1', usage: 'client', days: 100, now: new Date(0) });
    const info = certInfo(cert.certPem);
    const start = info.notBefore.getTime();
    const life = info.notAfter.getTime() - start;
    assert.equal(rotationDelayMs(cert.certPem, start, () => 0), Math.round(life * 0.7));
    assert.equal(rotationDelayMs(cert.certPem, start, () => 0.5), Math.round(life * 0.8));
    assert.equal(rotationDelayMs(cert.certPem, start, () => 1), Math.round(life * 0.9));
    assert.equal(rotationDelayMs(cert.certPem, info.notAfter.getTime(), () => 0.5), 0);
  });

  test('the rotation loop renews at the renewal point and reports it', async () => {
    const f = files('loop');
    await bootstrapCertificates(opts('loop', `${caHash(ca.certPem)}.${JWT}`));
    const short = await issueCert(ca, { commonName: 'system:node:edge-1', usage: 'client', days: 1 });
    writeFileSync(f.certFile, short.certPem);
    writeFileSync(f.keyFile, short.keyPem, { mode: 0o600 });
    const clock = createFakeClock(Date.now());
    const ac = new AbortController();
    let renewed = 0;
    const loop = rotationLoop({
      httpServer: `https://127.0.0.1:${port}`,
      nodeName: 'edge-1',
      ...f,
      timeoutMs: 5_000,
      clock,
      random: () => 0.5,
      log: silentLogger(),
      signal: ac.signal,
      onRenewed: () => renewed++,
    });
    const due = rotationDelayMs(short.certPem, clock.now(), () => 0.5);
    await clock.advance(due - 1_000);
    assert.equal(renewed, 0);
    assert.equal(readFileSync(f.certFile, 'utf8'), short.certPem);
    await clock.advance(1_000);
    for (let i = 0; i < 200 && renewed === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(renewed, 1);
    const fresh = readFileSync(f.certFile, 'utf8');
    assert.notEqual(fresh, short.certPem);
    assert.ok(certInfo(fresh).notAfter.getTime() > certInfo(short.certPem).notAfter.getTime());
    assert.equal(needsBootstrap(f.caFile, f.certFile, f.keyFile, 'edge-1'), false);
    ac.abort();
    await loop;
  });
});
