/**
 * `npm run bench:scheduler`: the scheduler under load. A cloudcore (embedded API server) as a
 * separate process; in this process 1,000 hollow nodes (test/harness/hollow-nodes.ts), the
 * scheduler, and a creator of 10,000 pods from one template (names sched-0..9999, 32 creates in
 * flight; no Deployment controller is involved). Measures, from the first create: all pods bound,
 * all pods Running; and the scheduler's bind rate (pods/s between its first and last bind).
 * Prints a Markdown block for docs/benchmarks.md. BENCH_PODS / BENCH_NODES scale it down.
 */
import os from 'node:os';
import { systemClock } from '../src/base/index.js';
import { EventRecorder, InformerFactory, KubeClient, KubeConnection, RESOURCES, type V1Deployment, type V1Pod } from '../src/kube/client/index.js';
import { DEFAULT_CONTROL_PLANE_OPTIONS, type ControllerContext } from '../src/kube/controllers/index.js';
import { createScheduler, type SchedulerHandle } from '../src/kube/scheduler/index.js';
import { workloadControllers } from '../src/kube/controllers/workloads/index.js';
import { silentLogger } from '../src/platform/log/index.js';
import { createNamespace, startCloudcore, startHollowNodes } from '../test/harness/index.js';

const PODS = Number(process.env['BENCH_PODS'] ?? 10_000);
const NODES = Number(process.env['BENCH_NODES'] ?? 1_000);
const CONCURRENCY = 32;
const NS = 'bench-sched';
const BIND_CONCURRENCY = Number(process.env['BENCH_BIND_CONCURRENCY'] ?? 32);
const TIMEOUT_MS = Number(process.env['BENCH_TIMEOUT_MS'] ?? 600_000);

const progress = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

function template(i: number): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `sched-${i}`, namespace: NS, labels: { app: 'sched-bench' } },
    spec: {
      containers: [{ name: 'main', image: 'registry.local/pause:3.9', resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } } }],
      terminationGracePeriodSeconds: 30,
    },
  };
}

/**
 * BENCH_MODE=deployment (default, as the issue asks): one Deployment of PODS replicas, with the
 * Deployment and ReplicaSet controllers running beside the scheduler. BENCH_MODE=pods: PODS pods
 * created directly, measuring the scheduler alone.
 */
const MODE = process.env['BENCH_MODE'] === 'pods' ? 'pods' : 'deployment';

function deploymentOf(replicas: number): V1Deployment {
  const pod = template(0);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'sched-bench', namespace: NS },
    spec: { replicas, selector: { matchLabels: { app: 'sched-bench' } }, template: { metadata: { labels: { app: 'sched-bench' } }, ...(pod.spec ? { spec: pod.spec } : {}) } },
  };
}

async function main(): Promise<void> {
  progress('starting cloudcore');
  const cc = await startCloudcore({ env: { KE_LOG_LEVEL: 'warn' } });
  const abort = new AbortController();
  let handle: SchedulerHandle | undefined;
  try {
    await createNamespace(cc.client, NS);
    progress(`registering ${NODES} hollow nodes`);
    const tn = performance.now();
    const hollow = await startHollowNodes(cc.kubeconfigPath, { count: NODES, namePrefix: 'bench-node', signal: abort.signal, concurrency: 32 });
    const nodesSec = (performance.now() - tn) / 1000;

    // the scheduler, as the controller manager would run it
    const connection = await KubeConnection.fromKubeconfig(cc.kubeconfigPath, { userAgent: 'kubeedge-ts-scheduler', maxSockets: Math.max(48, BIND_CONCURRENCY + 16) });
    const client = new KubeClient(connection, { fieldManager: 'default-scheduler' });
    const informers = new InformerFactory(client);
    const ctx: ControllerContext = {
      client,
      informers,
      recorder: (component) => new EventRecorder(client, component),
      log: silentLogger(),
      clock: systemClock,
      options: DEFAULT_CONTROL_PLANE_OPTIONS,
    };
    const controllers = [createScheduler({ bindConcurrency: BIND_CONCURRENCY, onStarted: (h) => (handle = h) }), ...(MODE === 'deployment' ? workloadControllers() : [])];
    const started = Promise.all(controllers.map((c) => c.start(ctx, abort.signal)));
    informers.start(abort.signal);
    await started;
    progress('scheduler started');

    // progress, from the hollow kubelets' pod informer
    const bound = new Set<string>();
    const runningSet = new Set<string>();
    let t0 = 0;
    let tBound = 0;
    let tRunning = 0;
    let firstBind = 0;
    let lastBind = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const observe = (p: V1Pod): void => {
      if (p.metadata?.namespace !== NS) return;
      const name = p.metadata.name ?? '';
      const now = performance.now();
      if (p.spec?.nodeName !== undefined && !bound.has(name)) {
        bound.add(name);
        if (firstBind === 0) firstBind = now;
        lastBind = now;
        if (bound.size === PODS) tBound = now;
      }
      if (p.status?.phase === 'Running' && !runningSet.has(name)) {
        runningSet.add(name);
        if (runningSet.size === PODS) {
          tRunning = now;
          done();
        }
      }
    };
    hollow.pods.onAdd(observe);
    hollow.pods.onUpdate((_o, p) => observe(p));

    progress(`creating ${PODS} pods`);
    const creator = await KubeClient.fromKubeconfig(cc.kubeconfigPath, { maxSockets: CONCURRENCY, userAgent: 'bench-creator' });
    let next = 0;
    let failures = 0;
    t0 = performance.now();
    if (MODE === 'deployment') await creator.create(RESOURCES.deployments, deploymentOf(PODS));
    const creating = MODE === 'deployment' ? Promise.resolve() : Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < PODS) {
          const i = next++;
          try {
            await creator.create(RESOURCES.pods, template(i));
          } catch {
            failures++;
          }
        }
      }),
    );
    await creating;
    const tCreated = performance.now();
    const createSec = (tCreated - t0) / 1000;
    const boundAtCreated = bound.size;
    progress(`created in ${createSec.toFixed(1)} s (${failures} failures)`);
    const ticker = setInterval(() => progress(`bound ${bound.size}, running ${runningSet.size}, queue ${JSON.stringify(handle?.queueStats())}`), 5000);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, TIMEOUT_MS).unref());
    await Promise.race([finished, timeout]);
    clearInterval(ticker);
    const stats = handle?.stats();
    const boundSec = tBound > 0 ? (tBound - t0) / 1000 : NaN;
    const runningSec = tRunning > 0 ? (tRunning - t0) / 1000 : NaN;
    const bindRate = bound.size > 1 ? (bound.size - 1) / ((lastBind - firstBind) / 1000) : NaN;
    const drainRate = lastBind > tCreated ? (bound.size - boundAtCreated) / ((lastBind - tCreated) / 1000) : NaN;
    const perNode = new Map<string, number>();
    for (const p of hollow.pods.list()) if (p.metadata?.namespace === NS && p.spec?.nodeName !== undefined) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    const counts = [...perNode.values()];
    const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
    const out = [
      `### scheduler (${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version})`,
      '',
      '| measure | result | target |',
      '|---|---|---|',
      `| register ${NODES} hollow nodes (+ leases) | ${nodesSec.toFixed(1)} s | |`,
      MODE === 'deployment'
        ? `| workload | one Deployment of ${PODS} replicas (ReplicaSet and Deployment controllers in the same process) | |`
        : `| create ${PODS} pods (${CONCURRENCY} in flight) | ${(PODS / createSec).toFixed(0)} creates/s (${createSec.toFixed(1)} s, ${failures} failures) | |`,
      `| first create → all ${PODS} bound | ${boundSec.toFixed(1)} s (${bound.size} bound) | |`,
      `| first create → all ${PODS} Running | ${runningSec.toFixed(1)} s (${runningSet.size} Running) | |`,
      `| scheduler bind rate (first to last bind) | ${bindRate.toFixed(0)} pods/s | >= 300 pods/s |`,
      `| bind rate after the last create (backlog of ${PODS - boundAtCreated} pods, ${BIND_CONCURRENCY} binds in flight) | ${drainRate.toFixed(0)} pods/s | |`,
      `| spread: pods per node (min / max over ${perNode.size} nodes) | ${Math.min(...counts)} / ${Math.max(...counts)} | |`,
      `| scheduler: attempts / bind errors / unschedulable | ${stats?.attempts ?? 0} / ${stats?.bindErrors ?? 0} / ${stats?.unschedulable ?? 0} | |`,
      `| scheduler: filter+score per pod / mean bind latency | ${stats ? (stats.decideMs / Math.max(1, stats.attempts)).toFixed(2) : '-'} ms / ${stats ? (stats.bindMs / Math.max(1, stats.bound + stats.bindErrors)).toFixed(0) : '-'} ms | |`,
      `| load average at the end (1 / 5 min) | ${os.loadavg().slice(0, 2).map((l) => l.toFixed(1)).join(' / ')} | |`,
      '',
    ].join('\n');
    process.stdout.write(out + '\n');
    abort.abort();
    creator.close();
    await hollow.stop();
    await informers.stop();
    client.close();
  } finally {
    abort.abort();
    await cc.dispose();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
