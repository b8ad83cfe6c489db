import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { getString, isJsonArray, isJsonObject } from '../../base/index.js';
import { PKI_DEFAULT_HOSTS, ensurePki, writeKubeconfig } from './pki.js';
import { certInfo, isIssuedBy, keyMatchesCert } from './x509.js';

let root = '';
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ke-pki-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function mode(file: string): Promise<number> {
  return (await stat(file)).mode & 0o777;
}

describe('ensurePki', () => {
  it('creates CA, serving and admin certificates with private keys at 0600', async () => {
    const dir = path.join(root, 'fresh', 'pki');
    const p = await ensurePki(dir, { hosts: ['10.0.0.5', 'cloud.example.com'] });
    assert.deepEqual([...p.created].sort(), ['admin', 'ca', 'server']);
    for (const key of [p.caKeyPath, p.serverKeyPath, p.adminKeyPath]) assert.equal(await mode(key), 0o600, key);
    assert.equal(path.basename(p.caPath), 'ca.crt');
    assert.equal(path.basename(p.serverCertPath), 'apiserver.crt');
    assert.equal(path.basename(p.adminKeyPath), 'admin.key');

    const ca = await readFile(p.caPath, 'utf8');
    const server = await readFile(p.serverCertPath, 'utf8');
    const admin = await readFile(p.adminCertPath, 'utf8');
    assert.ok(certInfo(ca).isCA);
    assert.ok(isIssuedBy(server, ca) && isIssuedBy(admin, ca));
    assert.ok(keyMatchesCert(server, await readFile(p.serverKeyPath, 'utf8')));

    const s = new X509Certificate(server);
    for (const h of ['cloud.example.com', 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc']) {
      assert.ok(s.checkHost(h), h);
    }
    assert.ok(s.checkIP('10.0.0.5') && s.checkIP('127.0.0.1'));
    assert.equal(PKI_DEFAULT_HOSTS.length, 5);

    const a = certInfo(admin);
    assert.equal(a.subjectCN, 'admin');
    assert.deepEqual(a.organizations, ['system:masters']);
  });

  it('is idempotent and re-issues only the serving certificate when hosts change', async () => {
    const dir = path.join(root, 'idem');
    const first = await ensurePki(dir, { hosts: ['10.0.0.5'] });
    const files = [first.caPath, first.caKeyPath, first.serverCertPath, first.adminCertPath, first.adminKeyPath];
    const before = await Promise.all(files.map((f) => readFile(f, 'utf8')));

    const again = await ensurePki(dir, { hosts: ['10.0.0.5', '10.0.0.5', 'localhost'] });
    assert.deepEqual(again.created, []);
    assert.deepEqual(await Promise.all(files.map((f) => readFile(f, 'utf8'))), before);

    const changed = await ensurePki(dir, { hosts: ['10.0.0.6'] });
    assert.deepEqual(changed.created, ['server']);
    const [caBefore, , serverBefore, adminBefore] = before;
    assert.equal(await readFile(first.caPath, 'utf8'), caBefore);
    assert.equal(await readFile(first.adminCertPath, 'utf8'), adminBefore);
    const server = await readFile(first.serverCertPath, 'utf8');
    assert.notEqual(server, serverBefore);
    assert.ok(new X509Certificate(server).checkIP('10.0.0.6'));
    assert.ok(!new X509Certificate(server).checkIP('10.0.0.5'));
  });

  it('replaces a broken CA and re-issues everything signed by it', async () => {
    const dir = path.join(root, 'broken');
    const first = await ensurePki(dir, { hosts: [] });
    await writeFile(first.caKeyPath, 'garbage');
    const again = await ensurePki(dir, { hosts: [] });
    assert.deepEqual(again.created, ['ca', 'server', 'admin']);
    const ca = await readFile(again.caPath, 'utf8');
    assert.ok(isIssuedBy(await readFile(again.serverCertPath, 'utf8'), ca));
  });

  it('renews leaves close to expiry', async () => {
    const dir = path.join(root, 'renew');
    await ensurePki(dir, { hosts: [] });
    const later = new Date(Date.now() + 340 * 86_400_000);
    const again = await ensurePki(dir, { hosts: [], now: later });
    assert.deepEqual(again.created, ['server', 'admin']);
  });
});

describe('writeKubeconfig', () => {
  it('writes a kubeconfig with embedded credentials that parses back', async () => {
    const dir = path.join(root, 'kc');
    const p = await ensurePki(dir, { hosts: [] });
    const caPem = await readFile(p.caPath, 'utf8');
    const clientCertPem = await readFile(p.adminCertPath, 'utf8');
    const clientKeyPem = await readFile(p.adminKeyPath, 'utf8');
    const file = path.join(dir, 'sub', 'admin.kubeconfig');
    await writeKubeconfig(file, { server: 'https://127.0.0.1:6443', caPem, clientCertPem, clientKeyPem });
    assert.equal(await mode(file), 0o600);

    const doc: unknown = parse(await readFile(file, 'utf8'));
    assert.equal(getString(doc, ['apiVersion']), 'v1');
    assert.equal(getString(doc, ['kind']), 'Config');
    const ctxName = getString(doc, ['current-context']);
    assert.equal(ctxName, 'admin@kubeedge');

    const first = (key: string): unknown => {
      const list = isJsonObject(doc) ? doc[key] : undefined;
      return isJsonArray(list) ? list[0] : undefined;
    };
    const b64 = (v: string | undefined): string => Buffer.from(v ?? '', 'base64').toString('utf8');
    assert.equal(getString(first('clusters'), ['cluster', 'server']), 'https://127.0.0.1:6443');
    assert.equal(b64(getString(first('clusters'), ['cluster', 'certificate-authority-data'])), caPem);
    assert.equal(b64(getString(first('users'), ['user', 'client-certificate-data'])), clientCertPem);
    assert.equal(b64(getString(first('users'), ['user', 'client-key-data'])), clientKeyPem);
    assert.equal(getString(first('contexts'), ['name']), ctxName);
    assert.equal(getString(first('contexts'), ['context', 'cluster']), 'kubeedge');
    assert.equal(getString(first('contexts'), ['context', 'user']), 'admin');

    await writeKubeconfig(file, { server: 'https://h:1', caPem, clientCertPem, clientKeyPem, user: 'u', cluster: 'c', context: 'x' });
    const again: unknown = parse(await readFile(file, 'utf8'));
    assert.equal(getString(again, ['current-context']), 'x');
    assert.equal(await mode(file), 0o600);
  });
});
