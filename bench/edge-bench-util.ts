/**
 * Helpers of bench/edge.bench.ts: /proc readers, the bare Node floor, a memory probe preloaded into
 * edgecore, and the raw CRI baseline (sandbox + container started straight through CRI, no edgecore).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CriClient } from '../src/platform/cri/client.js';
import type { PodSandboxConfig } from '../src/platform/cri/types.js';
import { sleep, waitUntil, REPO_ROOT } from '../test/harness/index.js';

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const fmtS = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');
export const mib = (kb: number): string => fmt(kb / 1024);

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export function median(xs: readonly number[]): number {
  return percentile([...xs].filter(Number.isFinite).sort((a, c) => a - c), 50);
}

/** N pods started at once. */
export interface Round {
  readonly n: number;
  /** Per pod, request sent → running, ms, sorted. */
  readonly lat: number[];
  /** First request sent → last pod running, ms. */
  readonly lastMs: number;
}

export function roundOf(all: readonly { readonly sent: number; readonly at: number }[], t0: number): Round {
  return { n: all.length, lat: all.map((x) => x.at - x.sent).sort((a, c) => a - c), lastMs: Math.max(...all.map((x) => x.at)) - t0 };
}

export function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] === undefined ? NaN : Number(m[1]);
}

/** Fields of /proc/<pid>/stat after `(comm)` (which may hold spaces): [0] is field 3 (state). */
function statFields(pid: number): string[] {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime (fields 14 and 15), clock ticks. */
export function cpuTicks(pid: number): number {
  const f = statFields(pid);
  return Number(f[11]) + Number(f[12]);
}

/** The pids that exist and are not zombies. */
export function alivePids(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    try {
      return statFields(pid)[0] !== 'Z';
    } catch {
      return false;
    }
  });
}

/** SIGKILL to each pid's process group and to the pid (the process runtime starts each container in its own group). */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
}

/** Process runtime: pod UID → pids in its containers' state files (`<root>/pods/<uid>/state/<container>.json`, `run.pid`). */
export function podPids(root: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  for (const uid of list(path.join(root, 'pods'))) {
    const dir = path.join(root, 'pods', uid, 'state');
    const pids: number[] = [];
    for (const f of list(dir).filter((x) => x.endsWith('.json'))) {
      try {
        const saved = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { pid?: unknown; run?: { pid?: unknown } };
        const pid = saved.run?.pid ?? saved.pid;
        if (typeof pid === 'number' && pid > 1) pids.push(pid);
      } catch {
        // being rewritten
      }
    }
    out.set(uid, pids);
  }
  return out;
}

/** VmRSS of `node [args] -e "setInterval(()=>{},1e6)"` after 1.5 s, median of three. */
export async function floorKb(args: readonly string[]): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const child = spawn(process.execPath, [...args, '-e', 'setInterval(()=>{},1e6)'], { cwd: REPO_ROOT, stdio: 'ignore' });
    try {
      await sleep(1500);
      if (child.pid !== undefined) xs.push(rssKb(child.pid));
    } finally {
      child.kill('SIGKILL');
    }
  }
  return median(xs);
}

/** Preloaded into edgecore with NODE_OPTIONS: on SIGUSR2 a full GC, then process.memoryUsage() and VmRSS into $EDGE_BENCH_MEM_FILE. */
const MEM_PROBE = `import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
process.on('SIGUSR2', () => {
  const file = process.env.EDGE_BENCH_MEM_FILE;
  if (!file) return;
  gc();
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (k) => {
    const line = status.split('\\n').find((l) => l.startsWith(k + ':'));
    const m = line === undefined ? null : /(\\d+)/.exec(line);
    return m === null ? NaN : Number(m[1]);
  };
  writeFileSync(file + '.tmp', JSON.stringify({ ...process.memoryUsage(), rssKb: kb('VmRSS'), anonKb: kb('RssAnon'), fileKb: kb('RssFile'), shmemKb: kb('RssShmem') }));
  renameSync(file + '.tmp', file);
});
`;

export interface MemSample {
  /** VmRSS right after the forced GC, KB, and its parts (RssAnon, RssFile, RssShmem). */
  readonly rssGcKb: number;
  readonly anonKb: number;
  readonly fileKb: number;
  readonly shmemKb: number;
  /** Bytes. */
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
}

/** Writes the probe into `dir` and returns the env that preloads it into the Node processes started afterwards. */
export function memProbeEnv(dir: string): { readonly NODE_OPTIONS: string; readonly EDGE_BENCH_MEM_FILE: string } {
  const probe = path.join(dir, 'mem-probe.mjs');
  writeFileSync(probe, MEM_PROBE);
  return { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${probe}`.trim(), EDGE_BENCH_MEM_FILE: path.join(dir, 'mem.json') };
}

export async function memSample(pid: number, file: string): Promise<MemSample> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  await waitUntil(() => existsSync(file), { timeoutMs: 30_000, intervalMs: 50, what: 'memory probe answer' });
  const u = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  const v = (k: string): number => u[k] ?? NaN;
  return { rssGcKb: v('rssKb'), anonKb: v('anonKb'), fileKb: v('fileKb'), shmemKb: v('shmemKb'), heapUsed: v('heapUsed'), heapTotal: v('heapTotal'), external: v('external') };
}

/**
 * The runtime's own work, without edgecore: `n` pods at once, each RunPodSandbox (CNI included),
 * CreateContainer and StartContainer of `sleep 100000` on `image` (already pulled); then all removed.
 */
export async function rawCriRound(cri: CriClient, image: string, n: number): Promise<Round> {
  const ids: string[] = [];
  const opts = { timeoutMs: 300_000 };
  try {
    const t0 = performance.now();
    const all = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const name = `raw-${n}-${i}`;
        const config: PodSandboxConfig = { metadata: { name, uid: randomUUID(), namespace: 'edge-bench-raw', attempt: 0 }, hostname: name, linux: {} };
        const sent = performance.now();
        const sb = await cri.runPodSandbox(config, '', opts);
        ids.push(sb);
        const c = await cri.createContainer(sb, { metadata: { name: 'c' }, image: { image }, command: ['sleep', '100000'] }, config, opts);
        await cri.startContainer(c, opts);
        return { sent, at: performance.now() };
      }),
    );
    return roundOf(all, t0);
  } finally {
    await Promise.all(
      ids.map(async (id) => {
        await cri.stopPodSandbox(id, opts).catch(() => undefined);
        await cri.removePodSandbox(id, opts).catch(() => undefined);
      }),
    );
  }
}
