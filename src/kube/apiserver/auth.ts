import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { KeError } from '../../base/index.js';

export interface UserInfo {
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly string[];
}

/** Paths anyone may read, as kube-apiserver's system:public-info-viewer allows. */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_PATHS.has(pathname) || pathname.startsWith('/healthz/') || pathname.startsWith('/livez/') || pathname.startsWith('/readyz/');
}

/**
 * Kubernetes' static token file: CSV lines `token,user,uid[,"group1,group2"]`.
 * A malformed line is a KE_APISERVER_TOKEN_FILE error naming the line.
 */
export function loadTokenFile(path: string): Map<string, UserInfo> {
  const out = new Map<string, UserInfo>();
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = splitCsv(line);
    const [token, user, uid, groups] = fields;
    if (token === undefined || token === '' || user === undefined || user === '') {
      throw new KeError('KE_APISERVER_TOKEN_FILE', `token file ${path} line ${i + 1}: expected token,user,uid[,groups]`);
    }
    out.set(token, {
      name: user,
      ...(uid !== undefined && uid !== '' ? { uid } : {}),
      groups: groups === undefined || groups === '' ? [] : groups.split(',').map((g) => g.trim()).filter((g) => g !== ''),
    });
  });
  return out;
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** Authenticates by verified client certificate (CN = user, O = groups) or by bearer token. */
const certUsers = new WeakMap<object, UserInfo | null>();

export function authenticate(req: IncomingMessage, tokens: ReadonlyMap<string, UserInfo>): UserInfo | undefined {
  const socket = req.socket as TLSSocket;
  // the peer certificate is fixed for the life of a TLS connection: read it once per connection
  const known = certUsers.get(socket);
  if (known !== undefined && known !== null) return known;
  if (known === undefined) {
    const user = certUser(socket);
    certUsers.set(socket, user ?? null);
    if (user !== undefined) return user;
  }
  const header = req.headers['authorization'];
  if (typeof header === 'string' && header.startsWith('Bearer ')) {
    const user = tokens.get(header.slice(7).trim());
    if (user !== undefined) return { ...user, groups: [...user.groups, 'system:authenticated'] };
  }
  return undefined;
}

function certUser(socket: TLSSocket): UserInfo | undefined {
  if (typeof socket.getPeerCertificate === 'function' && socket.authorized) {
    const cert = socket.getPeerCertificate();
    const subject = cert.subject as unknown as Record<string, string | string[] | undefined> | undefined;
    const cn = subject?.['CN'];
    const o = subject?.['O'];
    if (typeof cn === 'string' && cn !== '') {
      const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
      return { name: cn, groups: [...groups, 'system:authenticated'] };
    }
  }
  return undefined;
}
