import { backoff, errorMessage, type Clock } from '../../base/index.js';
import { certBasics } from '../../platform/certs/cert-read.js';
import type { Logger } from '../../platform/log/index.js';
import { readTextIfExists, readTlsMaterial } from './cert-files.js';
import { requestNodeCertificate } from './node-cert.js';
import { clockDelay } from './token-bucket.js';

/** Longest single wait (Node timers overflow past 2^31-1 ms; the clock re-checks after it). */
const MAX_WAIT_MS = 24 * 3600_000;
/** Re-check interval while the node has no certificate yet. */
const NO_CERT_RECHECK_MS = 30_000;

/**
 * When to renew: at 70–90 % of the certificate's lifetime (80 % ± 10 %, jittered so a fleet does not
 * renew at once). Returns ms from `now`, 0 when already due.
 */
export function rotationDelayMs(certPem: string, now: number, random: () => number): number {
  const info = certBasics(certPem);
  const start = info.notBefore.getTime();
  const lifetime = info.notAfter.getTime() - start;
  const due = start + lifetime * (0.7 + 0.2 * random());
  return Math.max(0, Math.round(due - now));
}

export interface RotationOptions {
  readonly httpServer: string;
  readonly nodeName: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Logger;
  readonly signal: AbortSignal;
  /** Called after a new certificate was saved (edgehub reconnects with it). */
  readonly onRenewed: () => void;
}

/** Renews the node certificate through `/edge.crt`, authenticated by the current one; saves it atomically. */
export async function renewCertificate(opts: Omit<RotationOptions, 'clock' | 'random' | 'log' | 'onRenewed'>): Promise<string> {
  const tls = readTlsMaterial(opts);
  return requestNodeCertificate({
    httpServer: opts.httpServer,
    nodeName: opts.nodeName,
    caPem: tls.caPem,
    auth: { kind: 'cert', certPem: tls.certPem, keyPem: tls.keyPem },
    certFile: opts.certFile,
    keyFile: opts.keyFile,
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
  });
}

/** Loops until the signal aborts: waits for the renewal point, renews (retrying with backoff), repeats. */
export async function rotationLoop(opts: RotationOptions): Promise<void> {
  let failures = 0;
  while (!opts.signal.aborted) {
    const certPem = readTextIfExists(opts.certFile);
    let wait: number;
    try {
      wait = certPem === undefined ? NO_CERT_RECHECK_MS : rotationDelayMs(certPem, opts.clock.now(), opts.random);
    } catch {
      wait = NO_CERT_RECHECK_MS;
    }
    if (certPem === undefined || wait > 0) {
      await clockDelay(opts.clock, Math.min(wait, MAX_WAIT_MS), opts.signal).catch(() => undefined);
      if (certPem === undefined || wait > MAX_WAIT_MS) continue;
      if (opts.signal.aborted) return;
    }
    try {
      const renewed = await renewCertificate(opts);
      failures = 0;
      opts.log.info({ notAfter: certBasics(renewed).notAfter.toISOString() }, 'node certificate renewed');
      opts.onRenewed();
    } catch (err) {
      if (opts.signal.aborted) return;
      const delay = backoff(failures++, { baseMs: 5_000, maxMs: 300_000, random: opts.random });
      opts.log.warn({ err: errorMessage(err), retryInMs: delay }, 'node certificate renewal failed');
      await clockDelay(opts.clock, delay, opts.signal).catch(() => undefined);
    }
  }
}
