import { X509Certificate, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { KeError, errorMessage } from '../../base/index.js';
import type { TlsMaterial } from '../../platform/transport/types.js';
import { EdgeHubErrorCode } from './errors.js';

/**
 * Writes `data` to `file` atomically: a temporary file in the same directory, fsynced, then renamed over the
 * target. The directory is created when missing. `mode` applies to the new file (0600 for keys).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** File contents as UTF-8, undefined when it cannot be read. */
export function readTextIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A certificate given as DER or PEM bytes, returned as PEM plus its DER; undefined when it does not parse. */
export function normalizeCert(bytes: Uint8Array): { pem: string; der: Buffer } | undefined {
  try {
    const cert = new X509Certificate(Buffer.from(bytes));
    return { pem: cert.toString(), der: cert.raw };
  } catch {
    return undefined;
  }
}

/** Reads the CA, client certificate and key edgehub dials with; KE_EDGEHUB_CERT_FILES_MISSING when one is unreadable. */
export function readTlsMaterial(files: { caFile: string; certFile: string; keyFile: string }): TlsMaterial {
  const read = (file: string, what: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new KeError(EdgeHubErrorCode.CertFilesMissing, `cannot read the ${what} ${file}: ${errorMessage(err)}`, { cause: err, details: { file } });
    }
  };
  return { caPem: read(files.caFile, 'CA certificate'), certPem: read(files.certFile, 'client certificate'), keyPem: read(files.keyFile, 'client key') };
}
