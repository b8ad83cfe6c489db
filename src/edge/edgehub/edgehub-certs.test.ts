import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { caHash, issueCert } from '../../platform/certs/index.js';
import { CERT_JWT, NODE, ca, conns, dir, setupHubTestEnv, startCertServer, startEdge, teardownHubTestEnv, upgrades, waitFor } from './test-env.js';

before(setupHubTestEnv);
after(teardownHubTestEnv);

describe('edgehub certificates', () => {
  test('bootstraps its certificate with the join token before dialling', async () => {
    const https = await startCertServer();
    const own = { tlsCaFile: join(dir, 'boot', 'ca.crt'), tlsCertFile: join(dir, 'boot', 'node.crt'), tlsPrivateKeyFile: join(dir, 'boot', 'node.key') };
    const n = conns.length;
    const edge = await startEdge(join(dir, 'boot.db'), false, {
      ...own,
      httpServer: https.url,
      token: `${caHash(ca.certPem)}.${CERT_JWT}`,
    });
    try {
      await waitFor('connection', () => edge.hub.connected() && conns.length > n);
      assert.equal(upgrades.at(-1)?.peerCommonName, `system:node:${NODE}`);
      assert.ok(existsSync(own.tlsCaFile) && existsSync(own.tlsCertFile) && existsSync(own.tlsPrivateKeyFile));
    } finally {
      await edge.stop();
      await https.close();
    }
  });

  test('replaces an expired certificate with the join token before dialling', async () => {
    const https = await startCertServer();
    const own = { tlsCaFile: join(dir, 'expired', 'ca.crt'), tlsCertFile: join(dir, 'expired', 'node.crt'), tlsPrivateKeyFile: join(dir, 'expired', 'node.key') };
    const stale = await issueCert(ca, { commonName: `system:node:${NODE}`, organizations: ['system:nodes'], usage: 'client', days: 1, now: new Date(Date.now() - 3 * 24 * 3600 * 1000) });
    mkdirSync(join(dir, 'expired'), { recursive: true });
    writeFileSync(own.tlsCaFile, ca.certPem);
    writeFileSync(own.tlsCertFile, stale.certPem);
    writeFileSync(own.tlsPrivateKeyFile, stale.keyPem, { mode: 0o600 });
    const n = conns.length;
    const edge = await startEdge(join(dir, 'expired.db'), false, { ...own, httpServer: https.url, token: `${caHash(ca.certPem)}.${CERT_JWT}` });
    try {
      await waitFor('connection', () => edge.hub.connected() && conns.length > n, edge.clock, 200);
      assert.ok(https.seen.some((s) => s.auth === `Bearer ${CERT_JWT}`), 'bootstrapped with the token');
      assert.notEqual(readFileSync(own.tlsCertFile, 'utf8'), stale.certPem);
    } finally {
      await edge.stop();
      await https.close();
    }
  });

  test('renews a certificate past its renewal point and reconnects with the new one', async () => {
    const https = await startCertServer();
    const own = { tlsCaFile: join(dir, 'rot', 'ca.crt'), tlsCertFile: join(dir, 'rot', 'node.crt'), tlsPrivateKeyFile: join(dir, 'rot', 'node.key') };
    const short = await issueCert(ca, { commonName: `system:node:${NODE}`, organizations: ['system:nodes'], usage: 'client', days: 0.001 });
    const shortExpiry = new X509Certificate(short.certPem).validTo;
    mkdirSync(join(dir, 'rot'), { recursive: true });
    writeFileSync(own.tlsCaFile, ca.certPem);
    writeFileSync(own.tlsCertFile, short.certPem);
    writeFileSync(own.tlsPrivateKeyFile, short.keyPem, { mode: 0o600 });
    const n = conns.length;
    const edge = await startEdge(join(dir, 'rot.db'), false, { ...own, httpServer: https.url, rotateCertificates: true });
    try {
      const renewed = (): boolean => conns.slice(n).some((c) => c.conn.open && (c.conn.peerCertExpiresAt ?? 0) > Date.parse(shortExpiry));
      await waitFor('connection with the renewed certificate', () => renewed() && edge.hub.connected(), edge.clock, 200);
      assert.ok(https.seen.some((s) => s.peerCN === `system:node:${NODE}` && s.auth === undefined));
      assert.notEqual(readFileSync(own.tlsCertFile, 'utf8'), short.certPem);
    } finally {
      await edge.stop();
      await https.close();
    }
  });
});
