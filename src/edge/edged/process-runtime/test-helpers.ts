/** Shared helpers for the process runtime tests (real processes in a temp dir). */
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { systemClock } from '../../../base/index.js';
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import { createLogger, silentLogger, type Logger } from '../../../platform/log/index.js';
import { testObjects } from '../pod-prep/test-objects.js';
import type { ContainerStatusReport, PodRuntime } from '../runtime.js';
import type { ProcessRuntimeOptions } from './process-runtime.js';

/** Runtime options for tests: node edge-1 at 10.0.0.9, silent log, system clock, empty objects. */
export function rtOptions(rootDir: string, extra: Partial<ProcessRuntimeOptions> = {}): ProcessRuntimeOptions {
  return {
    clock: systemClock,
    log: silentLogger(),
    nodeName: 'edge-1',
    nodeIP: '10.0.0.9',
    rootDir,
    objects: testObjects(),
    criEndpoint: '',
    podSandboxImage: '',
    imageGcHighPercent: 85,
    imageGcLowPercent: 80,
    ...extra,
  };
}

/** Kills the pods (their processes outlive stop() otherwise), then stops the runtime. */
export async function shutdown(rt: PodRuntime, ...pods: V1Pod[]): Promise<void> {
  for (const p of pods) await rt.killPod(p, 1);
  await rt.stop();
}

export function tempRoot(): string {
  return realpathSync(mkdtempSync(join(tmpdir(), 'ke-process-rt-')));
}

export function sh(name: string, script: string, extra: Partial<V1Container> = {}): V1Container {
  return { name, image: 'ignored:1', command: ['/bin/sh', '-c', script], ...extra };
}

export function makePod(uid: string, containers: V1Container[], spec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod {
  return { metadata: { name: `pod-${uid}`, namespace: 'ns1', uid }, spec: { nodeName: 'edge-1', ...spec, containers } };
}

/** Polls until `cond` holds (no wall-clock assertion: only a generous upper bound). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function container(rt: PodRuntime, pod: V1Pod, name: string): ContainerStatusReport | undefined {
  const s = rt.podStatus(pod);
  return [...(s?.containers ?? []), ...(s?.initContainers ?? [])].find((c) => c.name === name);
}

export function exitCode(c: ContainerStatusReport | undefined): number | undefined {
  return c !== undefined && 'terminated' in c.state ? c.state.terminated.exitCode : undefined;
}

/** The exit code of the run that ended last: the current state's, else lastState's (CrashLoopBackOff). */
export function lastExitCode(c: ContainerStatusReport | undefined): number | undefined {
  if (c === undefined) return undefined;
  if ('terminated' in c.state) return c.state.terminated.exitCode;
  return c.lastState !== undefined && 'terminated' in c.lastState ? c.lastState.terminated.exitCode : undefined;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The file's text, '' while it does not exist yet. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A logger whose JSON records are kept; `messages()` lists their `msg` fields. */
export function captureLogger(): { readonly log: Logger; messages(): string[] } {
  const records: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      records.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const log = createLogger({ level: 'info', destination });
  return {
    log,
    messages: () =>
      records.map((r) => {
        const v: unknown = JSON.parse(r);
        return typeof v === 'object' && v !== null && 'msg' in v && typeof v.msg === 'string' ? v.msg : '';
      }),
  };
}
