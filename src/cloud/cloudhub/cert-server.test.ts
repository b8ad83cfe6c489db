import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CLOUDCORE_CONFIG, type CloudHubConfig } from '../../api/config/index.js';
import { certInfo, createCsr, issueCert } from '../../platform/certs/index.js';
import { silentLogger } from '../../platform/log/index.js';
import { MetricsRegistry } from '../../platform/metrics/index.js';
import { startCertServer, type CertServer } from './cert-server.js';
import { ensureHubPki, type HubPki } from './hub-pki.js';
import { createJoinToken, splitJoinToken } from './join-token.js';
import { hubMetrics } from './metrics.js';

const config: CloudHubConfig = { ...DEFAULT_CLOUDCORE_CONFIG.modules.cloudHub, advertiseAddress: ['10.1.2.3'], dnsNames: ['cloud.example'] };
let dir = '';
let pki: HubPki;
let server: CertServer;
/** Nodes the certificate server is told have a live session, and the nodes whose success points it deleted. */
const connectedNodes = new Set<string>();
const forgotten: string[] = [];

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ke-certsrv-'));
  pki = await ensureHubPki(config, dir);
  server = await startCertServer({
    host: '127.0.0.1',
    port: 0,
    pki,
    certDays: 30,
    log: silentLogger(),
    metrics: hubMetrics(new MetricsRegistry()),
    connected: (n) => connectedNodes.has(n),
    forgetNode: async (n) => {
      if (n === 'edge-broken') throw new Error('api down');
      forgotten.push(n);
    },
  });
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: Buffer;
  type: string | undefined;
}

function call(p: string, opts: { headers?: Record<string, string>; body?: string | Buffer; cert?: { certPem: string; keyPem: string } } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: p,
        method: 'GET',
        ca: pki.ca.certPem,
        headers: { ...(opts.headers ?? {}), ...(opts.body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(opts.body)) }) },
        ...(opts.cert === undefined ? {} : { cert: opts.cert.certPem, key: opts.cert.keyPem }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), type: res.headers['content-type'] }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function token(expiresAt: number): string {
  return splitJoinToken(createJoinToken(pki.ca.certPem, pki.ca.keyPem, expiresAt))?.jwt ?? '';
}

function derCert(body: Buffer): X509Certificate {
  return new X509Certificate(body);
}

describe('hub PKI', () => {
  test('generates CA and server cert under the data dir, keys 0600, SANs from the config', async () => {
    assert.equal(pki.caPath, path.join(dir, 'ca', 'rootCA.crt'));
    assert.equal(pki.keyPath, path.join(dir, 'certs', 'server.key'));
    assert.equal((await stat(pki.caKeyPath)).mode & 0o777, 0o600);
    assert.equal((await stat(pki.keyPath)).mode & 0o777, 0o600);
    const s = certInfo(pki.server.certPem);
    assert.equal(s.subjectCN, 'KubeEdge');
    assert.deepEqual([...s.ipAddresses].sort(), ['10.1.2.3', '127.0.0.1']);
    assert.deepEqual([...s.dnsNames].sort(), ['cloud.example', 'localhost']);
    const again = await ensureHubPki(config, dir);
    assert.deepEqual(again.created, []);
    assert.equal(again.ca.certPem, pki.ca.certPem);
  });
});

describe('certificate server', () => {
  test('GET /ca.crt is the CA in DER; its hash is the token prefix', async () => {
    const r = await call('/ca.crt');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/octet-stream');
    const hash = createHash('sha256').update(r.body).digest('hex');
    assert.equal(hash, splitJoinToken(createJoinToken(pki.ca.certPem, pki.ca.keyPem, Date.now() + 60_000))?.caHash);
  });

  test('GET /edge.crt with a PEM CSR and a token: subject from NodeName, client auth, DER', async () => {
    const csr = await createCsr('system:node:edge-a', ['system:nodes']);
    const r = await call('/edge.crt', { headers: { Authorization: `Bearer ${token(Date.now() + 60_000)}`, NodeName: 'edge-a' }, body: csr.csrPem });
    assert.equal(r.status, 200, r.body.toString());
    const cert = derCert(r.body);
    assert.match(cert.subject, /CN=system:node:edge-a/);
    assert.match(cert.subject, /O=system:nodes/);
    assert.ok(cert.checkIssued(new X509Certificate(pki.ca.certPem)));
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30.01, String(days));
  });

  test('a DER CSR with subject kubeedge.io (KubeEdge v1.15.4) is signed for the NodeName', async () => {
    const csr = await createCsr('kubeedge.io');
    const r = await call('/edge.crt', { headers: { Authorization: `Bearer ${token(Date.now() + 60_000)}`, NodeName: 'edge-b' }, body: pemToDer(csr.csrPem) });
    assert.equal(r.status, 200, r.body.toString());
    const cert = derCert(r.body);
    assert.match(cert.subject, /CN=system:node:edge-b/);
    assert.doesNotMatch(cert.subject, /kubeedge\.io/);
  });

  test('ExtKeyUsages header chooses the usages', async () => {
    const csr = await createCsr('x');
    const r = await call('/edge.crt', { headers: { Authorization: `Bearer ${token(Date.now() + 60_000)}`, NodeName: 'edge-b', ExtKeyUsages: '[1,2]' }, body: csr.csrPem });
    assert.equal(r.status, 200);
    assert.deepEqual([...(derCert(r.body).keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  });

  test('expired, wrongly signed and malformed tokens: 401 with the reason', async () => {
    const csr = await createCsr('x');
    const expired = await call('/edge.crt', { headers: { Authorization: `Bearer ${token(Date.now() - 1000)}`, NodeName: 'edge-a' }, body: csr.csrPem });
    assert.equal(expired.status, 401, expired.body.toString());
    assert.equal(expired.body.toString(), 'token expired');
    const [h, c] = token(Date.now() + 60_000).split('.');
    const forged = await call('/edge.crt', { headers: { Authorization: `Bearer ${h}.${c}.AAAA`, NodeName: 'edge-a' }, body: csr.csrPem });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.toString(), 'token signature invalid');
    const junk = await call('/edge.crt', { headers: { Authorization: 'Bearer junk', NodeName: 'edge-a' }, body: csr.csrPem });
    assert.equal(junk.status, 401);
    assert.equal(junk.body.toString(), 'malformed token');
    const none = await call('/edge.crt', { headers: { NodeName: 'edge-a' }, body: csr.csrPem });
    assert.equal(none.status, 401);
  });

  test('a token join deletes the node\'s success points first; refused (409) while the node is connected; renewal keeps them', async () => {
    const csr = await createCsr('system:node:edge-j');
    const bearer = { Authorization: `Bearer ${token(Date.now() + 60_000)}` };
    forgotten.length = 0;
    const joined = await call('/edge.crt', { headers: { ...bearer, NodeName: 'edge-j' }, body: csr.csrPem });
    assert.equal(joined.status, 200, joined.body.toString());
    assert.deepEqual(forgotten, ['edge-j']);

    connectedNodes.add('edge-j');
    const takeover = await call('/edge.crt', { headers: { ...bearer, NodeName: 'edge-j' }, body: csr.csrPem });
    assert.equal(takeover.status, 409);
    assert.match(takeover.body.toString(), /edge-j is connected/);
    assert.deepEqual(forgotten, ['edge-j']);

    // the connected node renews with its own certificate: allowed, its success points stay
    const renewed = await call('/edge.crt', { headers: { NodeName: 'edge-j' }, body: csr.csrPem, cert: { certPem: `-----BEGIN CERTIFICATE-----\n${derCert(joined.body).raw.toString('base64')}\n-----END CERTIFICATE-----\n`, keyPem: csr.keyPem } });
    assert.equal(renewed.status, 200, renewed.body.toString());
    assert.deepEqual(forgotten, ['edge-j']);
    connectedNodes.delete('edge-j');

    const broken = await call('/edge.crt', { headers: { ...bearer, NodeName: 'edge-broken' }, body: csr.csrPem });
    assert.equal(broken.status, 503, 'no certificate while the old sync state cannot be reset');
  });

  test('rotation: the node\'s own client certificate authenticates; another node\'s does not', async () => {
    const mine = await issueCert(pki.ca, { commonName: 'system:node:edge-r', organizations: ['system:nodes'], usage: 'client' });
    const csr = await createCsr('system:node:edge-r');
    const ok = await call('/edge.crt', { headers: { NodeName: 'edge-r' }, body: csr.csrPem, cert: mine });
    assert.equal(ok.status, 200, ok.body.toString());
    assert.match(derCert(ok.body).subject, /CN=system:node:edge-r/);
    const other = await call('/edge.crt', { headers: { NodeName: 'edge-s' }, body: csr.csrPem, cert: mine });
    assert.equal(other.status, 403);
  });

  test('bad CSR and bad NodeName: 400; oversized body: 413; unknown path: 404', async () => {
    const auth = { Authorization: `Bearer ${token(Date.now() + 60_000)}` };
    assert.equal((await call('/edge.crt', { headers: { ...auth, NodeName: 'edge-a' }, body: 'not a csr' })).status, 400);
    assert.equal((await call('/edge.crt', { headers: { ...auth, NodeName: 'edge-a' }, body: '' })).status, 400);
    assert.equal((await call('/edge.crt', { headers: { ...auth, NodeName: 'Bad/Name' }, body: 'x' })).status, 400);
    assert.equal((await call('/edge.crt', { headers: auth, body: 'x' })).status, 400);
    const big = await call('/edge.crt', { headers: { ...auth, NodeName: 'edge-a' }, body: Buffer.alloc(70 * 1024, 0x41) }).catch(() => ({ status: 413, body: Buffer.alloc(0), type: undefined }));
    assert.equal(big.status, 413);
    assert.equal((await call('/nothing')).status, 404);
  });
});
