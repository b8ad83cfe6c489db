/**
 * cloudhub's PKI: the CA that signs edge certificates (and the join token), and cloudhub's own serving
 * certificate. Files missing or unusable are generated (ECDSA P-256, keys 0600); present ones are reused.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import type { CloudHubConfig } from '../../api/config/index.js';
import { KeError } from '../../base/index.js';
import { certInfo, createCA, isIssuedBy, issueCert, keyMatchesCert, readOptionalFile, sansMatch, writeFileAtomic, type CertKeyPair } from '../../platform/certs/index.js';

export const HUB_CA_COMMON_NAME = 'KubeEdge';
export const HUB_SERVER_COMMON_NAME = 'KubeEdge';
export const HUB_SERVER_ORGANIZATION = 'KubeEdge';
export const HubErrorCode = {
  pki: 'KE_CLOUDHUB_PKI',
} as const;

export interface HubPki {
  readonly ca: CertKeyPair;
  readonly server: CertKeyPair;
  readonly caPath: string;
  readonly caKeyPath: string;
  readonly certPath: string;
  readonly keyPath: string;
  /** What this call generated. */
  readonly created: readonly ('ca' | 'server')[];
}

function readOptional(file: string): Promise<string | undefined> {
  return readOptionalFile(file, HubErrorCode.pki);
}

function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  return writeFileAtomic(file, data, mode, { dirMode: 0o700, errorCode: HubErrorCode.pki, errorMessage: 'cannot write PKI file' });
}

function usableCa(pair: CertKeyPair, now: number): boolean {
  try {
    const info = certInfo(pair.certPem);
    return info.isCA && info.notAfter.getTime() > now && keyMatchesCert(pair.certPem, pair.keyPem);
  } catch {
    return false;
  }
}

function hubSans(config: CloudHubConfig): { dnsNames: string[]; ipAddresses: string[] } {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1']);
  for (const a of config.advertiseAddress) if (isIP(a) !== 0) ips.add(a);
  for (const d of config.dnsNames) if (d.trim() !== '') dns.add(d.trim().toLowerCase());
  return { dnsNames: [...dns].sort(), ipAddresses: [...ips].sort() };
}

/** Loads or creates the hub CA and server certificate (paths from config, else under `dataDir`). */
export async function ensureHubPki(config: CloudHubConfig, dataDir: string, now = Date.now()): Promise<HubPki> {
  const caPath = config.tlsCAFile || path.join(dataDir, 'ca', 'rootCA.crt');
  const caKeyPath = config.tlsCAKeyFile || path.join(dataDir, 'ca', 'rootCA.key');
  const certPath = config.tlsCertFile || path.join(dataDir, 'certs', 'server.crt');
  const keyPath = config.tlsPrivateKeyFile || path.join(dataDir, 'certs', 'server.key');
  const created: ('ca' | 'server')[] = [];

  const caCert = await readOptional(caPath);
  const caKey = await readOptional(caKeyPath);
  let ca: CertKeyPair;
  if (caCert !== undefined && caKey !== undefined && usableCa({ certPem: caCert, keyPem: caKey }, now)) {
    ca = { certPem: caCert, keyPem: caKey };
  } else {
    if (caCert !== undefined || caKey !== undefined) {
      // never overwrite an operator's CA silently: one of the two files is there but the pair is not usable
      if (caCert === undefined || caKey === undefined || config.tlsCAFile !== '') {
        throw new KeError(HubErrorCode.pki, 'CA certificate and key are incomplete or unusable', { details: { caPath, caKeyPath } });
      }
    }
    ca = await createCA(HUB_CA_COMMON_NAME, { now: new Date(now) });
    await writeAtomic(caKeyPath, ca.keyPem, 0o600);
    await writeAtomic(caPath, ca.certPem, 0o644);
    created.push('ca');
  }

  const { dnsNames, ipAddresses } = hubSans(config);
  const srvCert = await readOptional(certPath);
  const srvKey = await readOptional(keyPath);
  let server: CertKeyPair;
  const reuse =
    srvCert !== undefined &&
    srvKey !== undefined &&
    keyMatchesCert(srvCert, srvKey) &&
    isIssuedBy(srvCert, ca.certPem) &&
    certInfo(srvCert).notAfter.getTime() > now &&
    (config.tlsCertFile !== '' || sansMatch(srvCert, dnsNames, ipAddresses));
  if (reuse) {
    server = { certPem: srvCert, keyPem: srvKey };
  } else {
    server = await issueCert(ca, {
      commonName: HUB_SERVER_COMMON_NAME,
      organizations: [HUB_SERVER_ORGANIZATION],
      dnsNames,
      ipAddresses,
      usage: 'server',
      now: new Date(now),
    });
    await writeAtomic(keyPath, server.keyPem, 0o600);
    await writeAtomic(certPath, server.certPem, 0o644);
    created.push('server');
  }
  return { ca, server, caPath, caKeyPath, certPath, keyPath, created };
}
