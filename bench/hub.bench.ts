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
 *  4. cloudcore RSS (VmRSS of /proc/<pid>/status) before joins and with N idle nodes → KB per node.
 * Prints a Markdown table (the figures go to docs/benchmarks.md by hand).
 *
 * Options (argv `--nodes N` etc., or env): HUB_BENCH_NODES (1000), HUB_BENCH_PODS (min(N, 1000)),
 * HUB_BENCH_IDLE_S (60), HUB_BENCH_JOIN_CONCURRENCY (64), HUB_BENCH_JOIN_TIMEOUT_S (600).
 */
import { readFileSync } from 'node:fs';
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

async function main(): Promise<void> {
  const startEdgecore = await loadStartEdgecore();
  const bootstrapCertificates = await loadBootstrapCertificates();
  const scratch = await createTempDir({ prefix: 'hub-bench' });
  const edges: EdgecoreInstance[] = [];
  progress(`starting cloudcore (N=${N}, pods=${PODS}, idle window ${IDLE_S} s)`);
  // cloudhub refuses sessions beyond modules.cloudHub.nodeLimit (default 1000): raise it for the run.
  const configFile = path.join(scratch.path, 'cloudcore.yaml');
  await writeFile(configFile, ['apiVersion: cloudcore.config.kubeedge.io/v1alpha1', 'kind: CloudCore', 'modules:', `  cloudHub: { nodeLimit: ${N + 100} }`, ''].join('\n'));
  const cloud = await startCloudcore({ controllers: true, env: { KE_LOG_LEVEL: 'warn' }, readyTimeoutMs: 120_000, extraArgs: ['--config', configFile] });
  try {
    await new Promise((r) => setTimeout(r, 3_000));
    const rssBefore = rssKb(cloud.pid);
    const token = await waitUntil(() => tokenFromSecret(cloud.client), { timeoutMs: 60_000, what: 'join token' });
    const log = silentLogger();
    const names = Array.from({ length: N }, (_, i) => `hub-bench-${String(i).padStart(5, '0')}`);

    // 1. join
    progress('joining');
    const t0 = performance.now();
    let bootstrapped = 0;
    await pool(names, CONCURRENCY, async (nodeName) => {
      const dir = path.join(scratch.path, nodeName);
      await mkdir(dir, { recursive: true });
      const config = edgeConfig(dir, nodeName, cloud.hubPort, cloud.certPort);
      const hub = config.modules.edgeHub;
      await bootstrapCertificates({ httpServer: hub.httpServer, token, nodeName, caFile: hub.tlsCaFile, certFile: hub.tlsCertFile, keyFile: hub.tlsPrivateKeyFile, timeoutMs: 60_000 });
      edges.push(await startEdgecore(config, { log }));
      bootstrapped++;
      if (bootstrapped % 200 === 0) progress(`${bootstrapped}/${N} edgecores started`);
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
    progress(`all ${N} nodes Ready after ${fmt(joinS)} s (edgecores started after ${fmt((tStarted - t0) / 1000)} s)`);

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
    progress(`creating ${PODS} pods`);
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
    progress(`dispatch p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms`);

    // 3. idle uplink, 4. RSS
    progress('settling 10 s, then measuring the idle window');
    await new Promise((r) => setTimeout(r, 10_000));
    const sumWritten = (): number => edges.reduce((s, e) => s + e.hub.stats().bytesWritten, 0);
    const reconnectsBefore = edges.reduce((s, e) => s + e.hub.stats().reconnects, 0);
    const w0 = sumWritten();
    const i0 = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idleS = (performance.now() - i0) / 1000;
    const bytesPerNodeS = (sumWritten() - w0) / N / idleS;
    const reconnects = edges.reduce((s, e) => s + e.hub.stats().reconnects, 0) - reconnectsBefore;
    const rssIdle = rssKb(cloud.pid);
    const perNodeKb = (rssIdle - rssBefore) / N;

    const lines = [
      `### Hub benchmark: ${N} hollow edge nodes (${new Date().toISOString().slice(0, 10)})`,
      '',
      `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${fmt(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}. One cloudcore process (embedded control plane, controllers on); ${N} edgecores in one bench process (startEdgecore, hollow runtime), each with its own certificate and connection.`,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| nodes joined and Ready | ${N} in ${fmt(joinS)} s | 1,000 within 60 s |`,
      `| dispatch latency (create → Running), ${PODS} pods | p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms | p99 < 1 s |`,
      `| idle uplink per node (${fmt(idleS, 0)} s window) | ${fmt(bytesPerNodeS, 2)} B/s = ${fmt((bytesPerNodeS * 8) / 1000, 3)} kbit/s | ≤ 0.25 kbit/s |`,
      `| cloudcore RSS before joins / with ${N} idle nodes | ${fmt(rssBefore / 1024)} MiB / ${fmt(rssIdle / 1024)} MiB | |`,
      `| cloudcore RSS per connected idle node | ${fmt(perNodeKb)} KB | < 100 KB |`,
      `| reconnects during the idle window | ${reconnects} | 0 |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    progress('stopping');
    await pool(edges, 64, async (e) => {
      await e.stop().catch(() => undefined);
    });
    await cloud.dispose();
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
