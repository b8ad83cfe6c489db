import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { isKeError } from '../../base/index.js';
import {
  type CertKeyPair,
  CertErrorCodes,
  ExtKeyUsageOid,
  caHash,
  certInfo,
  createCA,
  createCsr,
  isIssuedBy,
  issueCert,
  keyMatchesCert,
  sansMatch,
  signCsr,
} from './x509.js';

interface Handshake {
  readonly authorized: boolean;
  readonly authorizationError: string | undefined;
  readonly peerCN: string | undefined;
}

/** Starts an mTLS server on loopback, connects once with `client`, and reports what the server saw. */
async function mtlsHandshake(ca: CertKeyPair, server: CertKeyPair, client: CertKeyPair): Promise<Handshake> {
  let resolveSeen: (h: Handshake) => void = () => undefined;
  const seen = new Promise<Handshake>((resolve) => {
    resolveSeen = resolve;
  });
  const srv = tls.createServer(
    { key: server.keyPem, cert: server.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false },
    (socket) => {
      const peer = socket.getPeerCertificate();
      const cn = peer.subject?.CN;
      const authErr = socket.authorizationError;
      resolveSeen({
        authorized: socket.authorized,
        authorizationError: authErr === undefined ? undefined : String(authErr),
        peerCN: typeof cn === 'string' ? cn : undefined,
      });
      socket.end();
    },
  );
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  try {
    const sock = tls.connect({ host: '127.0.0.1', port, ca: ca.certPem, cert: client.certPem, key: client.keyPem });
    await new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', resolve);
      sock.once('error', reject);
    });
    const result = await seen;
    sock.destroy();
    return result;
  } finally {
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}

describe('x509', () => {
  it('creates a self-signed CA with CA constraints', async () => {
    const ca = await createCA('test-ca', { days: 10 });
    const info = certInfo(ca.certPem);
    assert.equal(info.subjectCN, 'test-ca');
    assert.equal(info.issuerCN, 'test-ca');
    assert.equal(info.isCA, true);
    assert.ok(ca.keyPem.startsWith('-----BEGIN PRIVATE KEY-----'));
    const node = new X509Certificate(ca.certPem);
    assert.equal(node.ca, true);
    assert.ok(node.verify(node.publicKey));
    assert.ok(keyMatchesCert(ca.certPem, ca.keyPem));
    const days = (info.notAfter.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 9.9 && days <= 10, `validity ${days} days`);
  });

  it('issues server and client certificates with SAN, EKU and organizations', async () => {
    const ca = await createCA('test-ca');
    const server = await issueCert(ca, {
      commonName: 'apiserver',
      dnsNames: ['localhost', 'kubernetes.default'],
      ipAddresses: ['127.0.0.1', '::1'],
      usage: 'server',
    });
    const client = await issueCert(ca, { commonName: 'admin', organizations: ['system:masters'], usage: 'client' });

    const s = certInfo(server.certPem);
    assert.deepEqual(s.dnsNames, ['localhost', 'kubernetes.default']);
    assert.equal(s.ipAddresses.length, 2);
    assert.equal(s.isCA, false);
    assert.ok(sansMatch(server.certPem, ['kubernetes.default', 'localhost'], ['0:0:0:0:0:0:0:1', '127.0.0.1']));
    assert.ok(!sansMatch(server.certPem, ['localhost'], ['127.0.0.1', '::1']));

    const c = certInfo(client.certPem);
    assert.equal(c.subjectCN, 'admin');
    assert.deepEqual(c.organizations, ['system:masters']);

    const nodeServer = new X509Certificate(server.certPem);
    assert.ok(nodeServer.checkHost('localhost'));
    assert.ok(nodeServer.checkIP('127.0.0.1'));
    assert.ok(isIssuedBy(server.certPem, ca.certPem));
    assert.ok(isIssuedBy(client.certPem, ca.certPem));
    assert.ok(!keyMatchesCert(server.certPem, client.keyPem));
    assert.notEqual(nodeServer.serialNumber, new X509Certificate(client.certPem).serialNumber);
  });

  it('lets a tls server verify the client chain and rejects a client of another CA', async () => {
    const ca = await createCA('test-ca');
    const server = await issueCert(ca, { commonName: 'srv', ipAddresses: ['127.0.0.1'], usage: 'server' });
    const client = await issueCert(ca, { commonName: 'edge-1', usage: 'client' });
    const ok = await mtlsHandshake(ca, server, client);
    assert.equal(ok.authorized, true);
    assert.equal(ok.peerCN, 'edge-1');

    const other = await createCA('other-ca');
    const stranger = await issueCert(other, { commonName: 'intruder', usage: 'client' });
    const bad = await mtlsHandshake(ca, server, stranger);
    assert.equal(bad.authorized, false);
    assert.ok(bad.authorizationError !== undefined);
  });

  it('signs a CSR keeping CN and O, and checks the expected CN', async () => {
    const ca = await createCA('test-ca');
    const { csrPem, keyPem } = await createCsr('edge-node-1', ['system:nodes']);
    assert.ok(csrPem.startsWith('-----BEGIN CERTIFICATE REQUEST-----'));
    const certPem = await signCsr(ca, csrPem, { commonName: 'edge-node-1', usage: 'both', days: 30 });
    const info = certInfo(certPem);
    assert.equal(info.subjectCN, 'edge-node-1');
    assert.deepEqual(info.organizations, ['system:nodes']);
    assert.ok(keyMatchesCert(certPem, keyPem));
    assert.ok(isIssuedBy(certPem, ca.certPem));

    await assert.rejects(signCsr(ca, csrPem, { commonName: 'someone-else', usage: 'client' }), (e) =>
      isKeError(e, CertErrorCodes.csrSubject),
    );
    await assert.rejects(signCsr(ca, 'garbage', { usage: 'client' }), (e) => isKeError(e, CertErrorCodes.invalidCsr));
  });

  it('signs a DER CSR with a replaced subject and explicit extended key usages', async () => {
    const ca = await createCA('test-ca');
    const { csrPem, keyPem } = await createCsr('kubeedge.io', []);
    const der = Buffer.from(csrPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const certPem = await signCsr(ca, der, {
      subject: { commonName: 'system:node:edge-1', organizations: ['system:nodes'] },
      usage: 'client',
      extKeyUsages: [ExtKeyUsageOid.serverAuth, ExtKeyUsageOid.clientAuth],
      days: 30,
    });
    const info = certInfo(certPem);
    assert.equal(info.subjectCN, 'system:node:edge-1');
    assert.deepEqual(info.organizations, ['system:nodes']);
    assert.ok(keyMatchesCert(certPem, keyPem));
    assert.ok(isIssuedBy(certPem, ca.certPem));
    const eku = new X509Certificate(certPem).toLegacyObject().ext_key_usage;
    assert.deepEqual(eku, [ExtKeyUsageOid.serverAuth, ExtKeyUsageOid.clientAuth]);
    await assert.rejects(signCsr(ca, Buffer.from('not a csr'), { usage: 'client' }), (e) => isKeError(e, CertErrorCodes.invalidCsr));
  });

  it('rejects bad options with stable codes', async () => {
    const ca = await createCA('test-ca');
    await assert.rejects(createCA(''), (e) => isKeError(e, CertErrorCodes.badOptions));
    await assert.rejects(issueCert(ca, { commonName: 'x', usage: 'server', days: 0 }), (e) =>
      isKeError(e, CertErrorCodes.badOptions),
    );
    await assert.rejects(issueCert(ca, { commonName: 'x', usage: 'server', ipAddresses: ['not-an-ip'] }), (e) =>
      isKeError(e, CertErrorCodes.badOptions),
    );
    await assert.rejects(issueCert({ certPem: ca.certPem, keyPem: 'nope' }, { commonName: 'x', usage: 'server' }), (e) =>
      isKeError(e, CertErrorCodes.invalidKey),
    );
    assert.throws(() => certInfo('not a cert'), (e) => isKeError(e, CertErrorCodes.invalidCert));
  });

  it('computes the CA hash and fingerprint as hex SHA-256 of the DER', async () => {
    const ca = await createCA('test-ca');
    const expected = new X509Certificate(ca.certPem).fingerprint256.replaceAll(':', '').toLowerCase();
    assert.equal(caHash(ca.certPem), expected);
    assert.equal(certInfo(ca.certPem).sha256Fingerprint, expected);
    assert.match(caHash(ca.certPem), /^[0-9a-f]{64}$/);
  });
});
