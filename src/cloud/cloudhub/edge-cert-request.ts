/**
 * What cloudhub reads from an edge's `/edge.crt` request: the CSR body (PEM or DER) and the
 * `ExtKeyUsages` header. The certificate itself is signed by signCsr (platform/certs) with the subject
 * set from the node name, whatever the request says: CN `system:node:<name>`, O `system:nodes`
 * (KubeEdge v1.15.4 edges ask for CN `kubeedge.io`).
 */
import { ExtKeyUsageOid } from '../../platform/certs/index.js';

export const NODE_CN_PREFIX = 'system:node:';
export const NODES_ORGANIZATION = 'system:nodes';

/** Go's x509.ExtKeyUsage numbers, as edges send them in the `ExtKeyUsages` header. */
const GO_EXT_KEY_USAGES: Readonly<Record<number, string>> = {
  1: ExtKeyUsageOid.serverAuth,
  2: ExtKeyUsageOid.clientAuth,
};

/** A request body holding a PKCS#10 request: PEM text as a string, anything else as DER bytes. */
export function csrFromBody(body: Buffer): string | Buffer {
  return body.toString('latin1').trimStart().startsWith('-----BEGIN') ? body.toString('utf8') : body;
}

/** Parses the `ExtKeyUsages` header (a JSON array of Go ExtKeyUsage numbers); clientAuth when absent or unusable. */
export function extKeyUsagesFrom(header: string | undefined): string[] {
  if (header === undefined || header.trim() === '') return [ExtKeyUsageOid.clientAuth];
  try {
    const parsed: unknown = JSON.parse(header);
    if (!Array.isArray(parsed)) return [ExtKeyUsageOid.clientAuth];
    const out = [...new Set(parsed.map((n) => (typeof n === 'number' ? GO_EXT_KEY_USAGES[n] : undefined)).filter((u): u is string => u !== undefined))];
    return out.length > 0 ? out : [ExtKeyUsageOid.clientAuth];
  } catch {
    return [ExtKeyUsageOid.clientAuth];
  }
}
