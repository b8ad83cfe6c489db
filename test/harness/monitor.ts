/**
 * Loopback probes for cloudcore's side servers: plain HTTP GET (the monitor server's /metrics and
 * /healthz), a TCP port check, and a reader for Prometheus text.
 */
import http from 'node:http';
import { connect } from 'node:net';

/** Whether 127.0.0.1:port accepts a TCP connection (within 1 s). */
export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1_000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** GET over plain HTTP on loopback (the monitor server), with a timeout. */
export function httpGet(url: string, timeoutMs = 5_000): Promise<{ readonly status: number; readonly text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

/** Sum of the samples of `name` in Prometheus text whose labels include `labels` (0 when none). */
export function sumMetric(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = parseLabels(m[3] ?? '');
    if (!Object.entries(labels).every(([k, v]) => have[k] === v)) continue;
    const v = Number(m[4]);
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}
