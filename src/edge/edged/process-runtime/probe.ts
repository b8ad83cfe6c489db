/** One probe attempt (exec, httpGet, tcpSocket) against a host-process container. */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import type { V1Container } from '../../../kube/client/index.js';

type V1Probe = NonNullable<V1Container['livenessProbe']>;

export interface ProbeContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly container: V1Container;
}

function portOf(port: number | string, c: V1Container): number | undefined {
  if (typeof port === 'number') return port;
  const named = (c.ports ?? []).find((p) => p.name === port);
  if (named !== undefined) return named.containerPort;
  const n = Number(port);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function execProbe(cmd: readonly string[], ctx: ProbeContext, timeoutMs: number): Promise<boolean> {
  const [file, ...args] = cmd;
  if (file === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: ctx.cwd, env: { ...ctx.env }, stdio: 'ignore', detached: true });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      resolve(false);
    }, timeoutMs);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

function httpProbe(port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function tcpProbe(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port, timeout: timeoutMs });
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

/** Sends a signal to a whole process group; false when it is already gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** true when the probe passes; a probe with no handler fails. */
export function runProbe(p: V1Probe, ctx: ProbeContext): Promise<boolean> {
  const timeoutMs = (p.timeoutSeconds ?? 1) * 1000;
  if (p.exec !== undefined) return execProbe(p.exec.command ?? [], ctx, timeoutMs);
  if (p.httpGet !== undefined) {
    const port = portOf(p.httpGet.port, ctx.container);
    return port === undefined ? Promise.resolve(false) : httpProbe(port, p.httpGet.path ?? '/', timeoutMs);
  }
  if (p.tcpSocket !== undefined) {
    const port = portOf(p.tcpSocket.port, ctx.container);
    return port === undefined ? Promise.resolve(false) : tcpProbe(port, timeoutMs);
  }
  return Promise.resolve(false);
}
