/**
 * One probe attempt (exec, httpGet, tcpSocket) as kubelet runs it: HTTP 200-399 passes, a TCP connect
 * passes, exec passes on exit code 0. How a command runs is the runtime's (a host process, CRI ExecSync);
 * the network probes go to `host` (the pod IP, or the node for host-network pods) unless the probe names one.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { V1Container } from '../../kube/client/index.js';

export type V1Probe = NonNullable<V1Container['livenessProbe']>;

export interface ProbeTarget {
  /** Where httpGet and tcpSocket connect when the probe names no host. */
  readonly host: string;
  readonly container: V1Container;
  /** Runs an exec probe's command; true on exit code 0. */
  exec(cmd: readonly string[], timeoutMs: number): Promise<boolean>;
}

/** A port number, or a named container port. */
export function portOf(port: number | string, c: V1Container): number | undefined {
  if (typeof port === 'number') return port;
  const named = (c.ports ?? []).find((p) => p.name === port);
  if (named !== undefined) return named.containerPort;
  const n = Number(port);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function httpProbe(host: string, port: number, get: NonNullable<V1Probe['httpGet']>, timeoutMs: number): Promise<boolean> {
  const https = get.scheme === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of get.httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const opts = { host, port, path: get.path ?? '/', method: 'GET', timeout: timeoutMs, headers, ...(https ? { rejectUnauthorized: false } : {}) };
    try {
      const req = (https ? httpsRequest : httpRequest)(opts, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    } catch {
      // A header value or path Node refuses (a newline, a character above U+00FF): the probe fails.
      resolve(false);
    }
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    sock.on('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.on('timeout', () => {
      sock.destroy();
      resolve(false);
    });
    sock.on('error', () => resolve(false));
  });
}

/** true when the probe passes; a probe with no handler, or one that cannot even be sent, fails. Never rejects. */
export function runProbe(p: V1Probe, t: ProbeTarget): Promise<boolean> {
  return attempt(p, t).catch(() => false);
}

function attempt(p: V1Probe, t: ProbeTarget): Promise<boolean> {
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  if (p.exec !== undefined) return t.exec(p.exec.command ?? [], timeoutMs);
  if (p.httpGet !== undefined) {
    const port = portOf(p.httpGet.port, t.container);
    return port === undefined ? Promise.resolve(false) : httpProbe(p.httpGet.host ?? t.host, port, p.httpGet, timeoutMs);
  }
  if (p.tcpSocket !== undefined) {
    const port = portOf(p.tcpSocket.port, t.container);
    return port === undefined ? Promise.resolve(false) : tcpProbe(p.tcpSocket.host ?? t.host, port, timeoutMs);
  }
  return Promise.resolve(false);
}
