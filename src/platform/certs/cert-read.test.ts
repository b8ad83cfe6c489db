import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeError } from '../../base/index.js';
import { certBasics } from './cert-read.js';
import { CertErrorCodes, certInfo, createCA, issueCert } from './x509.js';

describe('certBasics (Node crypto) agrees with certInfo (@peculiar/x509)', () => {
  it('reads CN and validity of a CA and of leaves, including awkward subjects and future or past validity', async () => {
    const ca = await createCA('kubeedge-ca');
    const now = Date.UTC(2031, 5, 15, 12, 30, 45);
    const leaves = await Promise.all([
      issueCert(ca, { commonName: 'system:node:edge-1', organizations: ['system:nodes'], usage: 'client' }),
      issueCert(ca, { commonName: 'a, b + c = "d" \\ é', organizations: ['o+1', 'o,2'], usage: 'both', days: 2, now: new Date(now) }),
      issueCert(ca, { commonName: 'old', usage: 'server', days: 1, now: new Date(Date.UTC(2001, 0, 1)) }),
      issueCert(ca, { commonName: 'far', usage: 'server', days: 365 * 60 }),
    ]);
    for (const pem of [ca.certPem, ...leaves.map((l) => l.certPem)]) {
      const want = certInfo(pem);
      const got = certBasics(pem);
      assert.equal(got.subjectCN, want.subjectCN);
      assert.equal(got.notBefore.toISOString(), want.notBefore.toISOString());
      assert.equal(got.notAfter.toISOString(), want.notAfter.toISOString());
    }
    assert.equal(certBasics(leaves[0]?.certPem ?? '').subjectCN, 'system:node:edge-1');
  });

  it('reads the first certificate of a bundle', async () => {
    const ca = await createCA('first-ca');
    const other = await createCA('second-ca');
    assert.equal(certBasics(`${ca.certPem}\n${other.certPem}`).subjectCN, 'first-ca');
  });

  it('throws KE_CERTS_INVALID_CERT on text that is not a certificate', () => {
    assert.throws(
      () => certBasics('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n'),
      (err: unknown) => isKeError(err) && err.code === CertErrorCodes.invalidCert,
    );
  });
});
