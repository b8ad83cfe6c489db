/**
 * `npm run bench:hub`: N hollow edge nodes against one cloudcore on this machine (issue 4).
 *
 * One cloudcore process (embedded control plane, controllers on) and N edgecores in THIS process via
 * startEdgecore (src/cmd/edgecore/run.ts), each with its own data dir, its own certificate obtained
 * through bootstrapCertificates with the join token, and its own connection. Measures:
 *  1. join: time from the first bootstrap until all N Nodes are Ready in the API;
 *  2. dispatch latency: pods created in the API with nodeName spread over the nodes → phase Running
 *     observed through a watch (p50/p99);
 *  3. idle uplink: Σ hub.stats().bytesWritten over an idle window / N / seconds (also kbit/s);
 *  4. cloudcore RSS (VmRSS of /proc/<pid>/status) before joins and with N idle nodes → KB per node,
 *     plus the V8 heap / external / arrayBuffers split (process.memoryUsage() after a forced GC, read by
 *     a small probe preloaded into cloudcore with NODE_OPTIONS that answers SIGUSR2).
 * Two modes (HUB_BENCH_MODE=embedded|external|both, default both, one after the other):
 *  - embedded: one cloudcore runs the control plane AND the hub, so its RSS includes the API server's
 *    store (Nodes, Leases, ObjectSyncs, watch history);
 *  - external: the control plane runs in one cloudcore (`--cloudhub-enable false`, controllers on) and
 *    the hub in a second one (`--kubeconfig <first>/admin.kubeconfig`); the hub process's RSS is the
 *    figure comparable to KubeEdge's cloudcore.
 * Prints a Markdown table per mode (the figures go to docs/benchmarks.md by hand).
 *
 * Options (argv `--nodes N` etc., or env): HUB_BENCH_NODES (1000), HUB_BENCH_PODS (min(N, 1000)),
 * HUB_BENCH_IDLE_S (60), HUB_BENCH_JOIN_CONCURRENCY (64), HUB_BENCH_JOIN_TIMEOUT_S (600),
 * HUB_BENCH_MODE (both), HUB_BENCH_HEAP_DIR (unset: where to write heap snapshots of the measured
 * cloudcore before joins and when idle, for `memory per node` analysis).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_EDGECORE_CONFIG, type EdgeCoreConfig } from '../src/api/config/edgecore.js';
import { silentLogger } from '../src/platform/log/index.js';
import {
  arr,
  createNamespace,
  createTempDir,
  startCloudcore,
  str,
  tokenFromSecret,
  waitUntil,
  EDGE_ROLE_LABEL,
  type WatchEvent,
} from '../test/harness/index.js';
import { loadBootstrapCertificates, loadStartEdgecore, type EdgecoreInstance } from '../test/harness/product.js';

const { values: argv } = parseArgs({
  options: {
    nodes: { type: 'string' },
    pods: { type: 'string' },
    'idle-seconds': { type: 'string' },
    concurrency: { type: 'string' },
    'join-timeout-seconds': { type: 'string' },
    mode: { type: 'string' },
  },
  allowPositionals: false,
});

function opt(flag: string | undefined, env: string, dflt: number): number {
  const v = Number(flag ?? process.env[env] ?? dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${env} / --flag must be a positive number`);
  return v;
}

const N = opt(argv.nodes, 'HUB_BENCH_NODES', 1000);
const PODS = opt(argv.pods, 'HUB_BENCH_PODS', Math.min(N, 1000));
const IDLE_S = opt(argv['idle-seconds'], 'HUB_BENCH_IDLE_S', 60);
const CONCURRENCY = opt(argv.concurrency, 'HUB_BENCH_JOIN_CONCURRENCY', 64);
const JOIN_TIMEOUT_S = opt(argv['join-timeout-seconds'], 'HUB_BENCH_JOIN_TIMEOUT_S', 600);
const NS = 'hub-bench';
const MODE_ARG = argv.mode ?? process.env['HUB_BENCH_MODE'] ?? 'both';
if (MODE_ARG !== 'embedded' && MODE_ARG !== 'external' && MODE_ARG !== 'both') throw new Error('HUB_BENCH_MODE / --mode must be embedded, external or both');
const MODES: readonly Mode[] = MODE_ARG === 'both' ? ['embedded', 'external'] : [MODE_ARG];
type Mode = 'embedded' | 'external';

const progress = (msg: string): void => void process.stderr.write(`[bench:hub ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] === undefined ? NaN : Number(m[1]);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      const item = items[i];
      if (item === undefined) return;
      await fn(item, i);
    }
  });
  await Promise.all(workers);
}

function edgeConfig(dir: string, nodeName: string, hubPort: number, certPort: number): EdgeCoreConfig {
  const d = DEFAULT_EDGECORE_CONFIG;
  return {
    ...d,
    database: { ...d.database, dataSource: path.join(dir, 'edgecore.db') },
    modules: {
      ...d.modules,
      edged: { ...d.modules.edged, hostnameOverride: nodeName, nodeIP: '127.0.0.1', runtimeType: 'hollow' },
      edgeHub: {
        ...d.modules.edgeHub,
        tlsCaFile: path.join(dir, 'ca', 'rootCA.crt'),
        tlsCertFile: path.join(dir, 'certs', 'server.crt'),
        tlsPrivateKeyFile: path.join(dir, 'certs', 'server.key'),
        websocket: { ...d.modules.edgeHub.websocket, server: `127.0.0.1:${hubPort}` },
        httpServer: `https://127.0.0.1:${certPort}`,
        token: '',
      },
    },
  };
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/**
 * Preloaded into the measured cloudcore: on SIGUSR2, a full GC, then process.memoryUsage() into
 * $HUB_BENCH_MEM_FILE. With HUB_BENCH_HEAP_DIR set it first writes a heap snapshot there (the RSS
 * figures of such a run are not meaningful).
 */
const MEM_PROBE = `import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
let snapshots = 0;
process.on('SIGUSR2', () => {
  const file = process.env.HUB_BENCH_MEM_FILE;
  if (!file) return;
  gc();
  const heapDir = process.env.HUB_BENCH_HEAP_DIR;
  if (heapDir) v8.writeHeapSnapshot(path.join(heapDir, 'cloudcore-' + process.pid + '-' + snapshots++ + '.heapsnapshot'));
  writeFileSync(file + '.tmp', JSON.stringify(process.memoryUsage()));
  renameSync(file + '.tmp', file);
});
`;

interface MemSample {
  /** VmRSS as found (no forced GC), KB. */
  readonly rssKb: number;
  /** VmRSS right after the forced GC, KB. */
  readonly rssGcKb: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

async function memSample(pid: number, file: string): Promise<MemSample> {
  const rss = rssKb(pid);
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  await waitUntil(() => existsSync(file), { timeoutMs: 60_000, intervalMs: 50, what: 'memory probe answer' });
  const u = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  return { rssKb: rss, rssGcKb: rssKb(pid), heapUsed: u['heapUsed'] ?? NaN, external: u['external'] ?? NaN, arrayBuffers: u['arrayBuffers'] ?? NaN };
}

async function runMode(mode: Mode, root: string): Promise<string[]> {
  const startEdgecore = await loadStartEdgecore();
  const bootstrapCertificates = await loadBootstrapCertificates();
  const scratch = path.join(root, mode);
  await mkdir(scratch, { recursive: true });
  const edges: EdgecoreInstance[] = [];
  progress(`[${mode}] starting cloudcore (N=${N}, pods=${PODS}, idle window ${IDLE_S} s)`);
  // cloudhub refuses sessions beyond modules.cloudHub.nodeLimit (default 1000): raise it for the run.
  const configFile = path.join(scratch, 'cloudcore.yaml');
  await writeFile(configFile, ['apiVersion: cloudcore.config.kubeedge.io/v1alpha1', 'kind: CloudCore', 'modules:', `  cloudHub: { nodeLimit: ${N + 100} }`, ''].join('\n'));
  const probeFile = path.join(scratch, 'mem-probe.mjs');
  await writeFile(probeFile, MEM_PROBE);
  const memFile = path.join(scratch, 'mem.json');
  const heapDir = process.env['HUB_BENCH_HEAP_DIR'];
  const probeEnv = {
    KE_LOG_LEVEL: 'warn',
    NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${probeFile}`.trim(),
    HUB_BENCH_MEM_FILE: memFile,
    ...(heapDir === undefined ? {} : { HUB_BENCH_HEAP_DIR: heapDir }),
  };
  const controlPlane = mode === 'external' ? await startCloudcore({ controllers: true, hub: false, env: { KE_LOG_LEVEL: 'warn' }, readyTimeoutMs: 120_000 }) : undefined;
  const cloud = await startCloudcore({
    controllers: true,
    env: probeEnv,
    readyTimeoutMs: 120_000,
    extraArgs: ['--config', configFile],
    ...(controlPlane === undefined ? {} : { kubeconfig: controlPlane.kubeconfigPath }),
  }).catch(async (err: unknown) => {
    await controlPlane?.dispose();
    throw err;
  });
  try {
    await new Promise((r) => setTimeout(r, 3_000));
    const memBefore = await memSample(cloud.pid, memFile);
    const cpBefore = controlPlane === undefined ? NaN : rssKb(controlPlane.pid);
    const rssBefore = memBefore.rssKb;
    const token = await waitUntil(() => tokenFromSecret(cloud.client), { timeoutMs: 60_000, what: 'join token' });
    const log = silentLogger();
    const names = Array.from({ length: N }, (_, i) => `hub-bench-${String(i).padStart(5, '0')}`);

    // 1. join
    progress(`[${mode}] joining`);
    const t0 = performance.now();
    let bootstrapped = 0;
    await pool(names, CONCURRENCY, async (nodeName) => {
      const dir = path.join(scratch, nodeName);
      await mkdir(dir, { recursive: true });
      const config = edgeConfig(dir, nodeName, cloud.hubPort, cloud.certPort);
      const hub = config.modules.edgeHub;
      await bootstrapCertificates({ httpServer: hub.httpServer, token, nodeName, caFile: hub.tlsCaFile, certFile: hub.tlsCertFile, keyFile: hub.tlsPrivateKeyFile, timeoutMs: 60_000 });
      edges.push(await startEdgecore(config, { log }));
      bootstrapped++;
      if (bootstrapped % 200 === 0) progress(`[${mode}] ${bootstrapped}/${N} edgecores started`);
    });
    const tStarted = performance.now();
    let ready = 0;
    let refusedSeen = 0;
    await waitUntil(
      async () => {
        const r = await cloud.client.get('/api/v1/nodes', { labelSelector: EDGE_ROLE_LABEL });
        ready = arr(r.body, 'items').filter((n) => arr(n, 'status.conditions').some((c) => str(c, 'type') === 'Ready' && str(c, 'status') === 'True')).length;
        if (ready >= N) return true;
        const refused = await cloud.metric('kubeedge_cloudhub_refused_total');
        if (refused > 0) refusedSeen = refused;
        return false;
      },
      { timeoutMs: JOIN_TIMEOUT_S * 1000, intervalMs: 1_000, what: `${N} nodes Ready` },
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)} (${ready} Ready; kubeedge_cloudhub_refused_total ${refusedSeen})`, { cause: err });
    });
    const joinS = (performance.now() - t0) / 1000;
    progress(`[${mode}] all ${N} nodes Ready after ${fmt(joinS)} s (edgecores started after ${fmt((tStarted - t0) / 1000)} s)`);

    // 2. dispatch latency
    await createNamespace(cloud.client, NS);
    const watch = await cloud.client.watch(`/api/v1/namespaces/${NS}/pods`);
    if (watch.status !== 200) throw new Error(`watch: ${watch.status} ${watch.errorText}`);
    const createdAt = new Map<string, number>();
    const latencies: number[] = [];
    let seen = 0;
    const scan = (): void => {
      const evs: readonly WatchEvent[] = watch.events;
      for (; seen < evs.length; seen++) {
        const e = evs[seen];
        const name = str(e?.object, 'metadata.name');
        if (name === undefined || str(e?.object, 'status.phase') !== 'Running') continue;
        const t = createdAt.get(name);
        if (t !== undefined) {
          latencies.push(performance.now() - t);
          createdAt.delete(name);
        }
      }
    };
    const scanner = setInterval(scan, 5);
    progress(`[${mode}] creating ${PODS} pods`);
    const podNames = Array.from({ length: PODS }, (_, i) => `p-${i}`);
    await pool(podNames, 16, async (name, i) => {
      const nodeName = names[i % N] ?? '';
      createdAt.set(name, performance.now());
      const r = await cloud.client.post(`/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: NS },
        spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] },
      });
      if (r.status !== 201) throw new Error(`create pod ${name}: ${r.status} ${r.text.slice(0, 200)}`);
    });
    await waitUntil(
      () => {
        scan();
        return latencies.length >= PODS;
      },
      { timeoutMs: 300_000, intervalMs: 100, what: `${PODS} pods Running (${latencies.length} so far)` },
    );
    clearInterval(scanner);
    watch.close();
    latencies.sort((a, b) => a - b);
    progress(`[${mode}] dispatch p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms`);

    // 3. idle uplink, 4. RSS
    progress(`[${mode}] settling 10 s, then measuring the idle window`);
    await new Promise((r) => setTimeout(r, 10_000));
    const sumWritten = (): number => edges.reduce((s, e) => s + e.hub.stats().bytesWritten, 0);
    const reconnectsBefore = edges.reduce((s, e) => s + e.hub.stats().reconnects, 0);
    const w0 = sumWritten();
    const i0 = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idleS = (performance.now() - i0) / 1000;
    const bytesPerNodeS = (sumWritten() - w0) / N / idleS;
    const reconnects = edges.reduce((s, e) => s + e.hub.stats().reconnects, 0) - reconnectsBefore;
    const memIdle = await memSample(cloud.pid, memFile);
    const cpIdle = controlPlane === undefined ? NaN : rssKb(controlPlane.pid);
    const rssIdle = memIdle.rssKb;
    const perNodeKb = (rssIdle - rssBefore) / N;
    const perNode = (a: number, b: number, unit = 1024): number => (b - a) / unit / N;

    const hubName = mode === 'embedded' ? 'cloudcore' : 'hub cloudcore';
    const lines = [
      `### Hub benchmark (${mode}): ${N} hollow edge nodes (${new Date().toISOString().slice(0, 10)})`,
      '',
      `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${fmt(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}. ` +
        (mode === 'embedded'
          ? 'One cloudcore process (embedded control plane, controllers on)'
          : 'Control plane in one cloudcore (`--cloudhub-enable false`, controllers on), the hub in a second cloudcore (`--kubeconfig`)') +
        `; ${N} edgecores in one bench process (startEdgecore, hollow runtime), each with its own certificate and connection.`,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| nodes joined and Ready | ${N} in ${fmt(joinS)} s | 1,000 within 60 s |`,
      `| dispatch latency (create → Running), ${PODS} pods | p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms | p99 < 1 s |`,
      `| idle uplink per node (${fmt(idleS, 0)} s window) | ${fmt(bytesPerNodeS, 2)} B/s = ${fmt((bytesPerNodeS * 8) / 1000, 3)} kbit/s | ≤ 0.25 kbit/s |`,
      `| ${hubName} RSS before joins / with ${N} idle nodes | ${fmt(rssBefore / 1024)} MiB / ${fmt(rssIdle / 1024)} MiB | |`,
      `| ${hubName} RSS per connected idle node | ${fmt(perNodeKb)} KB | < 100 KB |`,
      `| ${hubName} per node after a forced GC: RSS / V8 heap used / external (of which ArrayBuffers) | ${fmt(perNode(memBefore.rssGcKb, memIdle.rssGcKb, 1))} KB / ${fmt(perNode(memBefore.heapUsed, memIdle.heapUsed))} KB / ${fmt(perNode(memBefore.external, memIdle.external))} KB (${fmt(perNode(memBefore.arrayBuffers, memIdle.arrayBuffers))} KB) | |`,
      ...(controlPlane === undefined ? [] : [`| control-plane cloudcore RSS before joins / with ${N} idle nodes | ${fmt(cpBefore / 1024)} MiB / ${fmt(cpIdle / 1024)} MiB (${fmt((cpIdle - cpBefore) / N)} KB per node) | |`]),
      `| reconnects during the idle window | ${reconnects} | 0 |`,
      '',
    ];
    return lines;
  } finally {
    progress(`[${mode}] stopping`);
    await pool(edges, 64, async (e) => {
      await e.stop().catch(() => undefined);
    });
    await cloud.dispose();
    await controlPlane?.dispose();
  }
}


async function main(): Promise<void> {
  const scratch = await createTempDir({ prefix: 'hub-bench' });
  try {
    for (const mode of MODES) process.stdout.write(`${(await runMode(mode, scratch.path)).join('\n')}\n`);
  } finally {
    await scratch.remove();
  }
}
main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:hub failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
