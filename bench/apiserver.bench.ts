/**
 * `npm run bench:apiserver`: the embedded API server under load, as a separate cloudcore process.
 *  1. create 10,000 pods bound over 100 nodes (creates/s, concurrency 64 over keep-alive HTTPS);
 *  2. list one node's pods with fieldSelector=spec.nodeName (latency percentiles over 200 lists);
 *  3. hold 1,000 watches (10 per node, fieldSelector per node) and update pods; delivery latency
 *     is measured from just before the PATCH is sent to the arrival of the event at each watcher;
 *  4. server RSS with the 10,000 pods stored.
 * Prints a Markdown block for docs/benchmarks.md. Bounded in count and time; loopback only.
 */
import { request, Agent } from 'node:https';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { startCloudcore } from '../test/harness/index.js';

const PODS = Number(process.env['BENCH_PODS'] ?? 10_000);
const NODES = Number(process.env['BENCH_NODES'] ?? 100);
const WATCHERS = Number(process.env['BENCH_WATCHERS'] ?? 1_000);
const CONCURRENCY = 64;
const UPDATES = Number(process.env['BENCH_UPDATES'] ?? 500);

interface Resp {
  status: number;
  body: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function podBody(i: number): string {
  const node = `node-${i % NODES}`;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'bench', labels: { app: `app-${i % 50}`, tier: 'bench' } },
    spec: {
      nodeName: node,
      containers: [
        {
          name: 'main',
          image: 'registry.local/busybox:1.36',
          command: ['sleep', '3600'],
          ports: [{ containerPort: 8080, name: 'http' }],
          env: [{ name: 'MODE', value: 'bench' }, { name: 'INDEX', value: String(i) }],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
        },
      ],
      tolerations: [{ key: 'node-role.kubernetes.io/edge', operator: 'Exists', effect: 'NoSchedule' }],
    },
  });
}

const progress = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

async function main(): Promise<void> {
  progress('starting cloudcore');
  const cc = await startCloudcore({ extraArgs: [], env: { KE_LOG_LEVEL: 'warn' } });
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: cc.caPem, cert: cc.adminCertPem, key: cc.adminKeyPem });
  const base = new URL(cc.url);
  const call = (method: string, path: string, body?: string, contentType = 'application/json'): Promise<Resp> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: base.hostname, port: base.port, method, path, agent, headers: body ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  try {
    await call('POST', '/api/v1/namespaces', JSON.stringify({ metadata: { name: 'bench' } }));

    progress('creating pods');
    // 1. creates
    let next = 0;
    let failures = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < PODS) {
          const i = next++;
          const r = await call('POST', '/api/v1/namespaces/bench/pods', podBody(i));
          if (r.status !== 201) failures++;
        }
      }),
    );
    const createSec = (performance.now() - t0) / 1000;
    const createsPerSec = PODS / createSec;

    progress(`created ${PODS} pods at ${createsPerSec.toFixed(0)}/s`);
    // 2. per-node list
    const listTimes: number[] = [];
    let listed = 0;
    for (let k = 0; k < 200; k++) {
      const node = `node-${k % NODES}`;
      const s = performance.now();
      const r = await call('GET', `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`);
      listTimes.push(performance.now() - s);
      listed = (JSON.parse(r.body) as { items: unknown[] }).items.length;
    }
    listTimes.sort((a, b) => a - b);

    // 4. RSS with the pods stored (before the watch phase adds sockets)
    const rssMb = readRssMb(cc.pid);

    progress('opening watches');
    // 3. watches
    const sent = new Map<string, number>();
    const latencies: number[] = [];
    const watchAgent = new Agent({ keepAlive: true, maxSockets: WATCHERS + 10, ca: cc.caPem, cert: cc.adminCertPem, key: cc.adminKeyPem });
    const rv = (JSON.parse((await call('GET', '/api/v1/namespaces/bench/pods?limit=1')).body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const streams: { destroy(): void }[] = [];
    let opened = 0;
    await new Promise<void>((resolveAll, rejectAll) => {
      for (let w = 0; w < WATCHERS; w++) {
        const node = `node-${w % NODES}`;
        const path = `/api/v1/namespaces/bench/pods?watch=true&resourceVersion=${rv}&fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`;
        const req = request({ host: base.hostname, port: base.port, method: 'GET', path, agent: watchAgent }, (res) => {
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let nl;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              const at = performance.now();
              const m = /"name":"(pod-\d+)"/.exec(line);
              const start = m?.[1] !== undefined ? sent.get(m[1]) : undefined;
              if (start !== undefined) latencies.push(at - start);
            }
          });
          if (++opened === WATCHERS) resolveAll();
        });
        req.on('error', rejectAll);
        req.end();
        streams.push(req);
      }
    });
    progress('watches open, updating');
    const expected = UPDATES * (WATCHERS / NODES);
    const tw = performance.now();
    for (let u = 0; u < UPDATES; u++) {
      const name = `pod-${(u * 37) % PODS}`;
      sent.set(name, performance.now());
      const r = await call('PATCH', `/api/v1/namespaces/bench/pods/${name}`, JSON.stringify({ metadata: { labels: { touched: String(u) } } }), 'application/merge-patch+json');
      if (r.status !== 200) failures++;
      if (u % 20 === 19) await new Promise((r2) => setTimeout(r2, 5)); // ~ steady stream, not one burst
    }
    const deadline = Date.now() + 30_000;
    while (latencies.length < expected && Date.now() < deadline) await new Promise((r2) => setTimeout(r2, 50));
    const watchSec = (performance.now() - tw) / 1000;
    latencies.sort((a, b) => a - b);
    const rssWatchMb = readRssMb(cc.pid);
    for (const s of streams) s.destroy();

    const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
    const out = [
      `### apiserver (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version})`,
      '',
      '| measure | result | target |',
      '|---|---|---|',
      `| create ${PODS} pods over ${NODES} nodes (HTTPS, ${CONCURRENCY} in flight) | ${createsPerSec.toFixed(0)} creates/s (${createSec.toFixed(1)} s, ${failures} failures) | >= 2,000/s |`,
      `| list one node's pods, fieldSelector=spec.nodeName (${listed} items) | p50 ${percentile(listTimes, 50).toFixed(1)} ms, p99 ${percentile(listTimes, 99).toFixed(1)} ms | < 20 ms |`,
      `| watch delivery, ${WATCHERS} watchers (${WATCHERS / NODES} per node), ${UPDATES} updates | p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ${latencies.length}/${expected} delivered in ${watchSec.toFixed(1)} s | p99 < 100 ms |`,
      `| server RSS with ${PODS} pods | ${rssMb.toFixed(0)} MB (${rssWatchMb.toFixed(0)} MB with ${WATCHERS} watches open) | < 400 MB |`,
      '',
    ].join('\n');
    process.stdout.write(out + '\n');
    agent.destroy();
    watchAgent.destroy();
  } finally {
    await cc.dispose();
  }
}

function readRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m?.[1] !== undefined ? Number(m[1]) / 1024 : NaN;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
