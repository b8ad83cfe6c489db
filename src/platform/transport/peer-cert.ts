import type { TLSSocket } from 'node:tls';

/** Subject CN and notAfter of the verified peer certificate of a TLS socket ('' / undefined when none). */
export function peerCertOf(socket: TLSSocket): { commonName: string; expiresAt: number | undefined } {
  if (!socket.authorized) return { commonName: '', expiresAt: undefined };
  const cert = socket.getPeerCertificate();
  if (cert === null || typeof cert !== 'object' || Object.keys(cert).length === 0) return { commonName: '', expiresAt: undefined };
  const cn = cert.subject?.CN;
  const commonName = typeof cn === 'string' ? cn : Array.isArray(cn) ? (cn[0] ?? '') : '';
  const expiresAt = cert.valid_to ? Date.parse(cert.valid_to) : Number.NaN;
  return { commonName, expiresAt: Number.isFinite(expiresAt) ? expiresAt : undefined };
}

/** `ip:port` of a socket's peer (brackets around IPv6). */
export function remoteOf(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  const addr = socket.remoteAddress ?? '';
  const host = addr.includes(':') ? `[${addr}]` : addr;
  return `${host}:${socket.remotePort ?? 0}`;
}
