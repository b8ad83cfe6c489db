import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { KeError } from '../../base/index.js';
import { type CertKeyPair, certInfo, createCA, isIssuedBy, issueCert, keyMatchesCert, sansMatch } from './x509.js';

export interface PkiPaths {
  readonly caPath: string;
  readonly caKeyPath: string;
  readonly serverCertPath: string;
  readonly serverKeyPath: string;
  readonly adminCertPath: string;
  readonly adminKeyPath: string;
}

export type PkiPart = 'ca' | 'server' | 'admin';

export interface EnsurePkiResult extends PkiPaths {
  /** The parts written by this call (empty when everything on disk was reused). */
  readonly created: readonly PkiPart[];
}

export interface EnsurePkiOptions {
  /** Extra names of the API server: DNS names or IP addresses (`[::1]` accepted). */
  readonly hosts: readonly string[];
  /** Leaf certificates expiring within this many days are re-issued; default 30. */
  readonly renewBeforeDays?: number;
  readonly now?: Date;
}

export const PKI_FILES = {
  ca: { cert: 'ca.crt', key: 'ca.key' },
  server: { cert: 'apiserver.crt', key: 'apiserver.key' },
  admin: { cert: 'admin.crt', key: 'admin.key' },
} as const satisfies Record<PkiPart, { cert: string; key: string }>;

export const PKI_CA_COMMON_NAME = 'kubeedge-ca';
export const PKI_SERVER_COMMON_NAME = 'kube-apiserver';
export const PKI_ADMIN_COMMON_NAME = 'admin';
export const PKI_ADMIN_ORGANIZATION = 'system:masters';
/** Names every serving certificate carries besides the configured hosts. */
export const PKI_DEFAULT_HOSTS = ['localhost', '127.0.0.1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'] as const;

export const PkiErrorCodes = {
  /** A file of the PKI directory could not be read or written. */
  io: 'KE_CERTS_PKI_IO',
} as const;

const KEY_MODE = 0o600;
const CERT_MODE = 0o644;
const DIR_MODE = 0o700;
const DAY_MS = 86_400_000;

/**
 * Makes `dir` hold a CA, an API server serving certificate and an admin client certificate. Files present and valid
 * are reused: the CA when it parses, is a CA, matches its key and has not expired; a leaf when it matches its key, was
 * issued by that CA, has the expected subject (and, for the serving certificate, exactly the expected SANs) and is
 * not within `renewBeforeDays` of expiry. A new CA re-issues both leaves.
 */
export async function ensurePki(dir: string, opts: EnsurePkiOptions): Promise<EnsurePkiResult> {
  const now = opts.now ?? new Date();
  const renewBeforeMs = (opts.renewBeforeDays ?? 30) * DAY_MS;
  const paths = pkiPaths(dir);
  const created: PkiPart[] = [];
  await io('create directory', dir, () => mkdir(dir, { recursive: true, mode: DIR_MODE }));

  let ca = await readPair(paths.caPath, paths.caKeyPath);
  if (ca === undefined || !caUsable(ca, now)) {
    ca = await createCA(PKI_CA_COMMON_NAME, { now });
    await writePair(paths.caPath, paths.caKeyPath, ca);
    created.push('ca');
  }
  const caPem = ca.certPem;
  const leafUsable = (pair: CertKeyPair | undefined, cn: string, orgs: readonly string[]): pair is CertKeyPair => {
    if (pair === undefined || !keyMatchesCert(pair.certPem, pair.keyPem) || !isIssuedBy(pair.certPem, caPem)) return false;
    const info = certInfo(pair.certPem);
    return (
      info.subjectCN === cn &&
      sameSet(info.organizations, orgs) &&
      info.notBefore.getTime() <= now.getTime() + DAY_MS &&
      info.notAfter.getTime() - now.getTime() > renewBeforeMs
    );
  };

  const { dnsNames, ipAddresses } = splitHosts([...PKI_DEFAULT_HOSTS, ...opts.hosts]);
  const server = await readPair(paths.serverCertPath, paths.serverKeyPath);
  if (!leafUsable(server, PKI_SERVER_COMMON_NAME, []) || !sansMatch(server.certPem, dnsNames, ipAddresses)) {
    const pair = await issueCert(ca, { commonName: PKI_SERVER_COMMON_NAME, dnsNames, ipAddresses, usage: 'server', now });
    await writePair(paths.serverCertPath, paths.serverKeyPath, pair);
    created.push('server');
  }

  const admin = await readPair(paths.adminCertPath, paths.adminKeyPath);
  if (!leafUsable(admin, PKI_ADMIN_COMMON_NAME, [PKI_ADMIN_ORGANIZATION])) {
    const pair = await issueCert(ca, {
      commonName: PKI_ADMIN_COMMON_NAME,
      organizations: [PKI_ADMIN_ORGANIZATION],
      usage: 'client',
      now,
    });
    await writePair(paths.adminCertPath, paths.adminKeyPath, pair);
    created.push('admin');
  }
  return { ...paths, created };
}

export function pkiPaths(dir: string): PkiPaths {
  return {
    caPath: path.join(dir, PKI_FILES.ca.cert),
    caKeyPath: path.join(dir, PKI_FILES.ca.key),
    serverCertPath: path.join(dir, PKI_FILES.server.cert),
    serverKeyPath: path.join(dir, PKI_FILES.server.key),
    adminCertPath: path.join(dir, PKI_FILES.admin.cert),
    adminKeyPath: path.join(dir, PKI_FILES.admin.key),
  };
}

export interface KubeconfigOptions {
  /** API server URL, e.g. `https://127.0.0.1:6443`. */
  readonly server: string;
  readonly caPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /** Default `admin`. */
  readonly user?: string;
  /** Default `kubeedge`. */
  readonly cluster?: string;
  /** Default `<user>@<cluster>`. */
  readonly context?: string;
}

/** Renders a kubeconfig with the credentials embedded as base64 `*-data` fields. */
export function renderKubeconfig(opts: KubeconfigOptions): string {
  const user = opts.user ?? 'admin';
  const cluster = opts.cluster ?? 'kubeedge';
  const context = opts.context ?? `${user}@${cluster}`;
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: opts.server, 'certificate-authority-data': b64(opts.caPem) } }],
    users: [
      {
        name: user,
        user: { 'client-certificate-data': b64(opts.clientCertPem), 'client-key-data': b64(opts.clientKeyPem) },
      },
    ],
    contexts: [{ name: context, context: { cluster, user } }],
    'current-context': context,
    preferences: {},
  });
}

/** Writes a kubeconfig (mode 0600, atomically, creating the parent directory). */
export async function writeKubeconfig(file: string, opts: KubeconfigOptions): Promise<void> {
  await io('create directory', path.dirname(file), () => mkdir(path.dirname(file), { recursive: true, mode: DIR_MODE }));
  await writeFileAtomic(file, renderKubeconfig(opts), KEY_MODE);
}

function caUsable(ca: CertKeyPair, now: Date): boolean {
  if (!keyMatchesCert(ca.certPem, ca.keyPem)) return false;
  try {
    const info = certInfo(ca.certPem);
    return info.isCA && info.notAfter.getTime() > now.getTime();
  } catch {
    return false;
  }
}

/** Both files, or undefined when either is missing. A file that exists but cannot be read is an error. */
async function readPair(certPath: string, keyPath: string): Promise<CertKeyPair | undefined> {
  const certPem = await readOptionalFile(certPath);
  const keyPem = await readOptionalFile(keyPath);
  return certPem === undefined || keyPem === undefined ? undefined : { certPem, keyPem };
}

/** The text of `file`, or undefined when it does not exist; another read failure is a KeError `errorCode`. */
export async function readOptionalFile(file: string, errorCode: string = PkiErrorCodes.io): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw new KeError(errorCode, 'cannot read PKI file', { cause: err, details: { file } });
  }
}

async function writePair(certPath: string, keyPath: string, pair: CertKeyPair): Promise<void> {
  await writeFileAtomic(keyPath, pair.keyPem, KEY_MODE);
  await writeFileAtomic(certPath, pair.certPem, CERT_MODE);
}

export interface WriteFileAtomicOptions {
  /** Creates the parent directory (recursively) with this mode first. */
  readonly dirMode?: number;
  /** The KeError thrown on failure; default PkiErrorCodes.io, "cannot write". */
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** Writes `data` to `file` with exactly `mode` through a new temp file and a rename, so readers never see half a file. */
export async function writeFileAtomic(file: string, data: string, mode: number, opts: WriteFileAtomicOptions = {}): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    if (opts.dirMode !== undefined) await mkdir(path.dirname(file), { recursive: true, mode: opts.dirMode });
    try {
      await writeFile(tmp, data, { mode, flag: 'wx' });
      await chmod(tmp, mode); // the umask may have narrowed or (for 0644) kept less than asked
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  } catch (cause) {
    throw new KeError(opts.errorCode ?? PkiErrorCodes.io, opts.errorMessage ?? 'cannot write', { cause, details: { file } });
  }
}

async function io<T>(what: string, file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    throw new KeError(PkiErrorCodes.io, `cannot ${what}`, { cause, details: { file } });
  }
}

function splitHosts(hosts: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dns = new Set<string>();
  const ips = new Set<string>();
  for (const raw of hosts) {
    const h = raw.trim();
    if (h === '') continue;
    const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
    if (isIP(bare) !== 0) ips.add(bare);
    else dns.add(h.toLowerCase());
  }
  return { dnsNames: [...dns].sort(), ipAddresses: [...ips].sort() };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}
