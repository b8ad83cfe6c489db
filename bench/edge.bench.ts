/**
 * `npm run bench:edge`: one real edgecore with real pods (issue 5).
 *
 * A cloudcore process (embedded control plane) and one edge node joined with the real `keadm join`, then
 * restarted as a plain `edgecore --config` process so the figures are edgecore's own. Runtime
 * EDGE_BENCH_RUNTIME=cri|process|hollow (default cri: a private containerd with local busybox and pause
 * images from test/harness/containerd.ts). Measures:
 *  1. pod startup: N pods (`sleep 100000`, nodeName set) created at once → phase Running seen on a watch,
 *     for N = 1, 10, 50 (p50 / p99 / last, from each pod's create); all deleted between rounds and waited
 *     for until gone from the API and the runtime. One warm-up pod first (image pull, pause image);
 *  2. edgecore RSS (VmRSS, mean over the idle window) and CPU (utime+stime of /proc/<pid>/stat over the
 *     idle window, % of one core) with 0, 10 and 50 running pods, for each launcher in
 *     EDGE_BENCH_LAUNCHERS (tsx: `node --import tsx src/cmd/edgecore/main.ts`, as the harness and keadm
 *     start it; bin: `node bin/edgecore.mjs` after `npm run build`, with KE_LAUNCHER=dist, i.e. the esbuild
 *     bundle; js: the project compiled by tsc into .cache/edge-bench-js, plain JavaScript, no loader), next
 *     to the floor of a bare `node` (and of `node --import tsx`) on this machine;
 *  3. offline reboot with 10 pods (acceptance 3): cloudcore stopped, edgecore stopped, every sandbox
 *     stopped through CRI (process runtime: every pod process killed), edgecore started → every pod's
 *     container running again (CRI ListContainers / state-file pids), EDGE_BENCH_REBOOTS times per launcher;
 *  4. our own path without container work: the same rounds on a second node with the hollow runtime;
 *  5. (cri) the runtime's own work without edgecore: the same rounds as RunPodSandbox + CreateContainer +
 *     StartContainer straight through CRI, before the edge joins.
 * edgecore preloads a small probe (NODE_OPTIONS) that answers SIGUSR2 with process.memoryUsage() after a
 * forced GC, read after each idle window. Prints a Markdown table (the figures go to docs/benchmarks.md by hand).
 *
 * Options (argv or env): --runtime / EDGE_BENCH_RUNTIME (cri), --idle-seconds / EDGE_BENCH_IDLE_S (30),
 * EDGE_BENCH_SETTLE_S (10), EDGE_BENCH_REBOOTS (3), EDGE_BENCH_LAUNCHERS (tsx,bin,js), EDGE_BENCH_ROUNDS (1,10,50),
 * EDGE_BENCH_NODE_FLAGS (none: extra Node flags for edgecore, e.g. `--max-semi-space-size=1`),
 * EDGE_BENCH_LOG_DIR (none: a directory to save edgecore's output of each offline reboot in),
 * EDGE_BENCH_REBOOT_GC (unset; 1: remove the sandboxes earlier reboots left stopped before each reboot).
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCriClient, type CriClient } from '../src/platform/cri/client.js';
import { requireContainerd, startContainerd, type ContainerdHandle } from '../test/harness/containerd.js';
import { killProcessRuntimePods } from '../test/harness/edgecore.js';
import {
  arr,
  createNamespace,
  createTempDir,
  joinEdge,
  nodeReady,
  runCommand,
  sleep,
  startCloudcore,
  str,
  waitUntil,
  CACHE_DIR,
  ManagedProcess,
  REPO_ROOT,
  type CloudcoreHandle,
  type EdgeHandle,
} from '../test/harness/index.js';
import { alivePids, cpuTicks, floorKb, fmt, fmtS, killPids, median, memProbeEnv, memSample, mib, percentile, podPids, rawCriRound, roundOf, rssKb, type MemSample, type Round } from './edge-bench-util.js';

const { values: argv } = parseArgs({ options: { runtime: { type: 'string' }, 'idle-seconds': { type: 'string' } }, allowPositionals: false });
const num = (v: string | undefined, env: string, dflt: number): number => {
  const n = Number(v ?? process.env[env] ?? dflt);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${env} must be a number >= 0`);
  return n;
};
type Runtime = 'cri' | 'process' | 'hollow';
type Launcher = 'tsx' | 'bin' | 'js';
const RUNTIME = (argv.runtime ?? process.env['EDGE_BENCH_RUNTIME'] ?? 'cri') as Runtime;
if (!['cri', 'process', 'hollow'].includes(RUNTIME)) throw new Error('EDGE_BENCH_RUNTIME / --runtime must be cri, process or hollow');
const IDLE_S = num(argv['idle-seconds'], 'EDGE_BENCH_IDLE_S', 30);
const SETTLE_S = num(undefined, 'EDGE_BENCH_SETTLE_S', 10);
const REBOOTS = num(undefined, 'EDGE_BENCH_REBOOTS', 3);
const LAUNCHERS = (process.env['EDGE_BENCH_LAUNCHERS'] ?? 'tsx,bin,js').split(',').filter((l): l is Launcher => l === 'tsx' || l === 'bin' || l === 'js');
const JS_DIR = path.join(CACHE_DIR, 'edge-bench-js');
const JS_MAIN = path.join(JS_DIR, 'src', 'cmd', 'edgecore', 'main.js');
const ROUNDS = (process.env['EDGE_BENCH_ROUNDS'] ?? '1,10,50').split(',').map(Number).filter((n) => n > 0);
/** Extra Node flags for edgecore (through NODE_OPTIONS), e.g. `--max-semi-space-size=1`. */
const NODE_FLAGS = process.env['EDGE_BENCH_NODE_FLAGS'] ?? '';
/** Where to save edgecore's output of each reboot (unset: not saved). */
const LOG_DIR = process.env['EDGE_BENCH_LOG_DIR'] ?? '';
/** Remove the sandboxes earlier reboots left stopped before each reboot (as the container GC would in time). */
const REBOOT_GC = process.env['EDGE_BENCH_REBOOT_GC'] === '1';
const NS = 'edge-bench';
const NS_HOLLOW = 'edge-bench-hollow';
const RUN_MARK = '----- edgecore restart -----';

const progress = (msg: string): void => void process.stderr.write(`[bench:edge ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** One edge node under measurement. */
interface Bench {
  readonly cloud: CloudcoreHandle;
  readonly edge: EdgeHandle;
  readonly runtime: Runtime;
  readonly ns: string;
  readonly ctd: ContainerdHandle | undefined;
  readonly cri: CriClient | undefined;
  launcher: Launcher;
  /** The edgecore process of the js launcher (the EdgeHandle's process is stopped meanwhile). */
  js?: ManagedProcess | undefined;
}

function podBody(b: Bench, name: string): unknown {
  const image = b.runtime === 'cri' ? (b.ctd?.busyboxImage ?? 'busybox') : 'busybox';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: b.ns, labels: { bench: 'edge' } },
    spec: { nodeName: b.edge.nodeName, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '100000'] }] },
  };
}

async function podNames(b: Bench): Promise<string[]> {
  const r = await b.cloud.client.get(`/api/v1/namespaces/${b.ns}/pods`);
  if (r.status !== 200) throw new Error(`list pods: ${r.status}`);
  return arr(r.body, 'items').map((p) => str(p, 'metadata.name') ?? '');
}

/** Creates `names` at once and resolves when each is Running in the API (seen on a watch). */
async function createRunning(b: Bench, names: readonly string[]): Promise<Round> {
  const watch = await b.cloud.client.watch(`/api/v1/namespaces/${b.ns}/pods`);
  if (watch.status !== 200) throw new Error(`watch: ${watch.status} ${watch.errorText}`);
  try {
    const t0 = performance.now();
    const done = names.map(async (name) => {
      const running = watch.next((e) => str(e.object, 'metadata.name') === name && str(e.object, 'status.phase') === 'Running', 300_000).then(() => performance.now());
      const sent = performance.now();
      const r = await b.cloud.client.post(`/api/v1/namespaces/${b.ns}/pods`, podBody(b, name));
      if (r.status !== 201) throw new Error(`create pod ${name}: ${r.status} ${r.text.slice(0, 200)}`);
      return { sent, at: await running };
    });
    return roundOf(await Promise.all(done), t0);
  } finally {
    watch.close();
  }
}

/** Whether the runtime still holds anything of the namespace's pods. */
async function runtimeBusy(b: Bench): Promise<boolean> {
  if (b.runtime === 'cri' && b.cri !== undefined) {
    const sbs = await b.cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.namespace': b.ns } });
    return sbs.length > 0;
  }
  if (b.runtime === 'process') return alivePids([...podPids(path.join(b.edge.dataDir, 'edged')).values()].flat()).length > 0;
  return false;
}

/** Deletes `names` (all pods of the namespace when omitted) and waits until the API and the runtime no longer hold them. */
async function deletePods(b: Bench, names?: readonly string[]): Promise<void> {
  const victims = names ?? (await podNames(b));
  await Promise.all(
    victims.map(async (name) => {
      const r = await b.cloud.client.delete(`/api/v1/namespaces/${b.ns}/pods/${name}`);
      if (r.status !== 200 && r.status !== 202 && r.status !== 404) throw new Error(`delete pod ${name}: ${r.status} ${r.text.slice(0, 200)}`);
    }),
  );
  const set = new Set(victims);
  await waitUntil(async () => !(await podNames(b)).some((n) => set.has(n)), { timeoutMs: 180_000, intervalMs: 200, what: `${victims.length} pods gone from the API` });
  if (names === undefined) await waitUntil(async () => !(await runtimeBusy(b)), { timeoutMs: 180_000, intervalMs: 200, what: 'pods gone from the runtime' });
}

async function stopEdgecore(b: Bench): Promise<void> {
  if (b.js?.running === true) await b.js.stop({ timeoutMs: 15_000 });
  if (b.edge.running) await b.edge.stop();
}

/** Starts edgecore (stopping the current run) with `launcher`; does not wait. */
async function launchEdgecore(b: Bench, launcher: Launcher): Promise<void> {
  await stopEdgecore(b);
  if (launcher === 'js') {
    b.js = new ManagedProcess({ name: `edgecore-js-${b.edge.nodeName}`, command: process.execPath, args: [JS_MAIN, '--config', b.edge.configPath], cwd: REPO_ROOT });
  } else {
    process.env['CLOUDCORE_LAUNCHER'] = launcher;
    await b.edge.restart();
  }
  b.launcher = launcher;
}

/** Output of the current edgecore run (its last `tail` lines). */
function runLog(b: Bench, tail = 400): string {
  return b.launcher === 'js' ? (b.js?.output({ tail }) ?? '') : (b.edge.logs({ tail }).split(RUN_MARK).at(-1) ?? '');
}

const pidOf = (b: Bench): number => (b.launcher === 'js' ? (b.js?.pid ?? -1) : b.edge.pid);

/** (Re)starts edgecore with `launcher` and waits until it has loaded its pods and the Node is Ready. */
async function restartEdgecore(b: Bench, launcher: Launcher): Promise<void> {
  await launchEdgecore(b, launcher);
  await waitUntil(() => /stored pods loaded/.test(runLog(b)), { timeoutMs: 90_000, what: 'edgecore loaded its stored pods' });
  await waitUntil(() => nodeReady(b.cloud, b.edge.nodeName), { timeoutMs: 90_000, intervalMs: 250, what: `node ${b.edge.nodeName} Ready` });
}

/** `npm run build` (dist/, the bundles bin/edgecore.mjs runs); bin is then started with KE_LAUNCHER=dist. */
async function buildDist(): Promise<void> {
  progress('npm run build for the bin launcher');
  const r = await runCommand(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`npm run build failed: ${r.stderr.slice(-2000)}`);
  process.env['KE_LAUNCHER'] = 'dist';
}

/** Compiles the project with tsc into .cache (gitignored) so edgecore can run as plain JavaScript, without the tsx loader. */
async function buildJs(): Promise<void> {
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  progress(`compiling to ${JS_DIR} for the js launcher`);
  rmSync(JS_DIR, { recursive: true, force: true });
  // Emits even when another change in the tree fails type checking; the entry point must exist.
  await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit', 'false', '--outDir', JS_DIR], { cwd: REPO_ROOT, timeoutMs: 600_000 });
  cpSync(path.join(REPO_ROOT, 'src'), path.join(JS_DIR, 'src'), { recursive: true, filter: (f) => !f.endsWith('.ts') });
  if (!existsSync(JS_MAIN)) throw new Error(`tsc did not produce ${JS_MAIN}`);
}

async function startupRounds(b: Bench, rounds: readonly number[]): Promise<Round[]> {
  const out: Round[] = [];
  for (const n of rounds) {
    const tag = `${b.runtime === 'hollow' && b.ns === NS_HOLLOW ? 'h' : 'r'}${n}`;
    progress(`[${b.edge.nodeName}] ${n} pod(s) at once`);
    const r = await createRunning(b, Array.from({ length: n }, (_, i) => `${tag}-${i}`));
    progress(`  p50 ${fmt(percentile(r.lat, 50), 0)} ms, p99 ${fmt(percentile(r.lat, 99), 0)} ms, last ${fmt(r.lastMs, 0)} ms; deleting`);
    out.push(r);
    await deletePods(b);
  }
  return out;
}

interface Idle {
  readonly pods: number;
  readonly launcher: Launcher;
  /** Mean, lowest and highest VmRSS over the window (one sample a second), KB. */
  readonly rssKb: number;
  readonly rssMinKb: number;
  readonly rssMaxKb: number;
  readonly cpuPct: number;
  /** After the window, with a forced GC. */
  readonly mem: MemSample;
  readonly ctdRssKb: number;
  readonly ctdCpuPct: number;
}

async function idleWindow(b: Bench, pods: number, hz: number, memFile: string): Promise<Idle> {
  await sleep(SETTLE_S * 1000);
  const pid = pidOf(b);
  const ctdPid = b.ctd?.process.pid;
  const c0 = cpuTicks(pid);
  const k0 = ctdPid === undefined ? NaN : cpuTicks(ctdPid);
  const t0 = performance.now();
  const rss: number[] = [];
  const ctdRss: number[] = [];
  while (performance.now() - t0 < IDLE_S * 1000) {
    rss.push(rssKb(pid));
    if (ctdPid !== undefined) ctdRss.push(rssKb(ctdPid));
    await sleep(1000);
  }
  const s = (performance.now() - t0) / 1000;
  const cpuPct = ((cpuTicks(pid) - c0) / hz / s) * 100;
  const ctdCpuPct = ctdPid === undefined ? NaN : ((cpuTicks(ctdPid) - k0) / hz / s) * 100;
  const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, c) => a + c, 0) / xs.length);
  const mem = await memSample(pid, memFile);
  const inApi = (await podNames(b)).length;
  if (inApi !== pods) throw new Error(`expected ${pods} pods during the idle window, the API holds ${inApi}`);
  const r: Idle = { pods, launcher: b.launcher, rssKb: mean(rss), rssMinKb: Math.min(...rss), rssMaxKb: Math.max(...rss), cpuPct, mem, ctdRssKb: mean(ctdRss), ctdCpuPct };
  progress(`  idle, ${pods} pods (${b.launcher}): RSS ${mib(r.rssKb)} MiB (${mib(r.rssMinKb)}–${mib(r.rssMaxKb)}), after GC ${mib(mem.rssGcKb)} MiB, heap ${mib(mem.heapUsed / 1024)} MiB; CPU ${fmt(cpuPct, 2)} %`);
  return r;
}

/** Measures every launcher at the current pod count, the current one first. */
async function idleAllLaunchers(b: Bench, pods: number, hz: number, memFile: string): Promise<Idle[]> {
  const out: Idle[] = [];
  for (const l of [b.launcher, ...LAUNCHERS.filter((x) => x !== b.launcher)]) {
    if (l !== b.launcher) await restartEdgecore(b, l);
    out.push(await idleWindow(b, pods, hz, memFile));
  }
  return out;
}

/** Whether every container of the pods `uids` runs again: CRI, or the process runtime's state files (new, live pids). */
async function allRunning(b: Bench, uids: readonly string[], oldPids: ReadonlySet<number>): Promise<boolean> {
  if (b.cri !== undefined) {
    const cs = await b.cri.listContainers({ state: { state: 'CONTAINER_RUNNING' }, labelSelector: { 'io.kubernetes.pod.namespace': b.ns } });
    const have = new Set(cs.map((c) => c.labels['io.kubernetes.pod.uid']));
    return uids.every((u) => have.has(u));
  }
  const byUid = podPids(path.join(b.edge.dataDir, 'edged'));
  return uids.every((u) => {
    const pids = byUid.get(u) ?? [];
    return pids.length > 0 && pids.every((p) => !oldPids.has(p)) && alivePids(pids).length === pids.length;
  });
}

interface Reboot {
  readonly launcher: Launcher;
  /** edgecore start → every container running. */
  readonly totalMs: number;
  /** edgecore start → `stored pods loaded` in its log. */
  readonly loadedMs: number;
}

/** Offline reboot (the cloud is already stopped): edgecore and every pod stopped, edgecore started, time to all running. */
async function reboot(b: Bench, uids: readonly string[]): Promise<Reboot> {
  await stopEdgecore(b);
  let old = new Set<number>();
  if (b.cri !== undefined) {
    const sel = { labelSelector: { 'io.kubernetes.pod.namespace': b.ns } };
    const sandboxes = await b.cri.listPodSandbox(sel);
    progress(`  stopping ${sandboxes.filter((x) => x.state === 'SANDBOX_READY').length} ready sandboxes (${sandboxes.length} in all, the rest stopped earlier)`);
    for (const s of sandboxes) {
      if (REBOOT_GC && s.state !== 'SANDBOX_READY') await b.cri.removePodSandbox(s.id, { timeoutMs: 60_000 });
      else await b.cri.stopPodSandbox(s.id, { timeoutMs: 60_000 });
    }
    const left = await b.cri.listContainers({ ...sel, state: { state: 'CONTAINER_RUNNING' } });
    if (left.length > 0) throw new Error(`${left.length} containers still running after stopping every sandbox`);
  } else {
    const root = path.join(b.edge.dataDir, 'edged');
    old = new Set([...podPids(root).values()].flat());
    killProcessRuntimePods(root);
    killPids([...old]);
    await waitUntil(() => alivePids([...old]).length === 0, { timeoutMs: 10_000, what: 'pod processes dead' });
  }
  const t0 = performance.now();
  await launchEdgecore(b, b.launcher);
  let loadedMs = NaN;
  await waitUntil(
    async () => {
      if (Number.isNaN(loadedMs) && /stored pods loaded/.test(runLog(b))) loadedMs = performance.now() - t0;
      return allRunning(b, uids, old);
    },
    { timeoutMs: 180_000, intervalMs: 25, what: `${uids.length} pods running again offline` },
  );
  const totalMs = performance.now() - t0;
  if (LOG_DIR !== '') {
    mkdirSync(LOG_DIR, { recursive: true });
    writeFileSync(path.join(LOG_DIR, `reboot-${b.launcher}-${Date.now()}.log`), runLog(b, 100_000));
  }
  progress(`  reboot (${b.launcher}): all ${uids.length} pods running ${fmt(totalMs, 0)} ms after edgecore start (pods loaded at ${fmt(loadedMs, 0)} ms)`);
  return { launcher: b.launcher, totalMs, loadedMs };
}

async function hollowRounds(cloud: CloudcoreHandle): Promise<Round[]> {
  await createNamespace(cloud.client, NS_HOLLOW);
  progress('joining edge-bench-hollow (hollow)');
  const edge = await joinEdge(cloud, { nodeName: 'edge-bench-hollow', runtime: 'hollow' });
  try {
    const b: Bench = { cloud, edge, runtime: 'hollow', ns: NS_HOLLOW, ctd: undefined, cri: undefined, launcher: 'tsx' };
    await restartEdgecore(b, 'tsx');
    await createRunning(b, ['h-warmup']);
    await deletePods(b);
    return await startupRounds(b, ROUNDS);
  } finally {
    await edge.dispose();
  }
}

interface Results {
  readonly loadStart: readonly number[];
  readonly warm: Round;
  readonly raw: Round[];
  readonly rounds: Round[];
  readonly hollow: Round[];
  readonly idle: Idle[];
  readonly reboots: Reboot[];
  readonly nodeFloor: number;
  readonly tsxFloor: number;
  readonly withCtd: boolean;
}

async function run(): Promise<Results> {
  const hz = Number((await runCommand('getconf', ['CLK_TCK'], { timeoutMs: 5_000 })).stdout.trim()) || 100;
  const loadStart = os.loadavg();
  progress(`runtime ${RUNTIME}; load average ${loadStart.map((l) => l.toFixed(1)).join(' ')}; measuring the bare Node floor`);
  const nodeFloor = await floorKb([]);
  const tsxFloor = await floorKb(['--import', 'tsx']);
  const scratch = await createTempDir({ prefix: 'edge-bench' });
  const savedEnv = { NODE_OPTIONS: process.env['NODE_OPTIONS'], CLOUDCORE_LAUNCHER: process.env['CLOUDCORE_LAUNCHER'], KE_LAUNCHER: process.env['KE_LAUNCHER'] };
  let ctd: ContainerdHandle | undefined;
  let cri: CriClient | undefined;
  let cloud: CloudcoreHandle | undefined;
  let edge: EdgeHandle | undefined;
  let bench: Bench | undefined;
  try {
    if (LAUNCHERS.includes('js')) await buildJs();
    if (LAUNCHERS.includes('bin')) await buildDist();
    const raw: Round[] = [];
    if (RUNTIME === 'cri') {
      const check = await requireContainerd();
      if (check.skip !== false) throw new Error(`containerd is needed for EDGE_BENCH_RUNTIME=cri: ${check.skip}`);
      ctd = await startContainerd();
      cri = createCriClient(ctd.endpoint);
      await cri.pullImage({ image: ctd.busyboxImage }, undefined, undefined, { timeoutMs: 120_000 });
      progress('raw CRI baseline (no edgecore): warm-up, then the rounds');
      await rawCriRound(cri, ctd.busyboxImage, 1);
      for (const n of ROUNDS) {
        const r = await rawCriRound(cri, ctd.busyboxImage, n);
        progress(`  raw CRI, ${n} at once: p50 ${fmt(percentile(r.lat, 50), 0)} ms, p99 ${fmt(percentile(r.lat, 99), 0)} ms, last ${fmt(r.lastMs, 0)} ms`);
        raw.push(r);
      }
    }
    cloud = await startCloudcore({ env: { KE_LOG_LEVEL: 'warn' }, readyTimeoutMs: 120_000 });
    await createNamespace(cloud.client, NS);
    progress(`joining edge-bench (${RUNTIME})`);
    edge = await joinEdge(cloud, { nodeName: 'edge-bench', runtime: RUNTIME, ...(ctd === undefined ? {} : { cri: ctd }) });
    // From here on every Node process started (edgecore) preloads the memory probe.
    const probe = memProbeEnv(scratch.path);
    Object.assign(process.env, probe);
    if (NODE_FLAGS !== '') process.env['NODE_OPTIONS'] = `${probe.NODE_OPTIONS} ${NODE_FLAGS}`;
    const b: Bench = { cloud, edge, runtime: RUNTIME, ns: NS, ctd, cri, launcher: LAUNCHERS[0] ?? 'tsx' };
    bench = b;
    await restartEdgecore(b, b.launcher);
    progress('warm-up pod');
    const warm = await createRunning(b, ['warmup']);
    await deletePods(b);

    const rounds = await startupRounds(b, ROUNDS);

    progress(`idle windows of ${IDLE_S} s (after ${SETTLE_S} s to settle)`);
    const idle: Idle[] = await idleAllLaunchers(b, 0, hz, probe.EDGE_BENCH_MEM_FILE);
    const resident = Array.from({ length: 50 }, (_, i) => `s-${String(i).padStart(2, '0')}`);
    await createRunning(b, resident.slice(0, 10));
    idle.push(...(await idleAllLaunchers(b, 10, hz, probe.EDGE_BENCH_MEM_FILE)));
    await createRunning(b, resident.slice(10));
    idle.push(...(await idleAllLaunchers(b, 50, hz, probe.EDGE_BENCH_MEM_FILE)));
    await deletePods(b, resident.slice(10));

    const hollow = RUNTIME === 'hollow' ? [] : await hollowRounds(cloud);

    const reboots: Reboot[] = [];
    if (RUNTIME !== 'hollow' && REBOOTS > 0) {
      const r = await cloud.client.get(`/api/v1/namespaces/${NS}/pods`);
      const uids = arr(r.body, 'items').map((p) => str(p, 'metadata.uid') ?? '');
      progress(`offline reboot of ${uids.length} pods, ${REBOOTS} times per launcher: stopping cloudcore`);
      await cloud.stop();
      for (const l of LAUNCHERS) {
        b.launcher = l;
        for (let i = 0; i < REBOOTS; i++) reboots.push(await reboot(b, uids));
      }
    }
    return { loadStart, warm, raw, rounds, hollow, idle, reboots, nodeFloor, tsxFloor, withCtd: ctd !== undefined };
  } finally {
    progress('cleaning up');
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (bench !== undefined) await stopEdgecore(bench).catch(() => undefined);
    if (edge !== undefined) {
      await edge.stop().catch(() => undefined);
      killPids([...podPids(path.join(edge.dataDir, 'edged')).values()].flat());
      await edge.dispose().catch(() => undefined);
    }
    cri?.close();
    await ctd?.stop().catch(() => undefined);
    await cloud?.dispose().catch(() => undefined);
    await scratch.remove();
  }
}

function table(r: Results): string[] {
  const yes = (ok: boolean): string => (ok ? 'yes' : '**no**');
  const round = (x: Round): string => (x.n === 1 ? fmtS(x.lat[0] ?? NaN) : `p50 ${fmtS(percentile(x.lat, 50))}, p99 ${fmtS(percentile(x.lat, 99))}, last ${fmtS(x.lastMs)}`);
  const anchor = (n: number): string => (n === 1 ? '1.6 s' : n === 10 ? 'last 3.1 s' : '');
  const target = (n: number): string => (n === 1 ? '< 0.5 s, runtime aside' : n === 10 ? 'last < 1.5 s' : '');
  const met = (x: Round, ours: boolean): string => (x.n === 1 ? (ours ? yes(x.lastMs < 500) : 'see hollow') : x.n === 10 ? yes(x.lastMs < 1500) : '');
  const cpu = os.cpus();
  const lines = [
    `### ${new Date().toISOString().slice(0, 10)} · ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version} — runtime ${RUNTIME}`,
    '',
    `Load average at the start ${r.loadStart.map((l) => l.toFixed(1)).join(' / ')}, at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}. ` +
      `Warm-up pod (first use of the image): ${fmtS(r.warm.lastMs)}.${NODE_FLAGS === '' ? '' : ` edgecore Node flags: \`${NODE_FLAGS}\`.`} Idle windows ${IDLE_S} s after ${SETTLE_S} s to settle; RSS is the mean over the window.`,
    '',
    '| measure | result | KubeEdge v1.15.4 anchor | target | met |',
    '|---|---|---|---|---|',
  ];
  for (const x of r.rounds) lines.push(`| pod startup, ${x.n} at once (create → Running in API), ${RUNTIME} | ${round(x)} | ${anchor(x.n)} | ${target(x.n)} | ${met(x, RUNTIME === 'hollow')} |`);
  for (const x of r.hollow) lines.push(`| pod startup, ${x.n} at once, hollow runtime (our path alone) | ${round(x)} | | ${target(x.n)} | ${met(x, true)} |`);
  for (const x of r.raw) lines.push(`| raw CRI, ${x.n} at once: RunPodSandbox + CreateContainer + StartContainer, no edgecore | ${round(x)} | | | |`);
  for (const pods of [0, 10, 50]) {
    const at = r.idle.filter((i) => i.pods === pods);
    if (at.length === 0) continue;
    const best = Math.min(...at.map((i) => i.rssKb));
    const rss = at.map((i) => `${i.launcher} ${mib(i.rssKb)} (${mib(i.rssMinKb)}–${mib(i.rssMaxKb)}; ${mib(i.rssKb - r.nodeFloor)})`).join(', ');
    const anc = pods === 0 ? '75.6 MB' : pods === 10 ? '84.0 MB' : '';
    lines.push(`| edgecore RSS, ${pods} pods, MiB: mean (range; mean minus the bare Node floor) | ${rss} | ${anc} | ${pods === 10 ? '≤ 60 MB' : ''} | ${pods === 10 ? yes(best / 1024 <= 60) : ''} |`);
    const m = (i: Idle): string =>
      `${i.launcher} ${mib(i.mem.rssGcKb)} = ${mib(i.mem.anonKb)} + ${mib(i.mem.fileKb)} + ${mib(i.mem.shmemKb)}; heap ${mib(i.mem.heapUsed / 1024)} of ${mib(i.mem.heapTotal / 1024)}, external ${mib(i.mem.external / 1024)}`;
    lines.push(`| edgecore after a forced GC, ${pods} pods: RSS = anon + file + shmem; V8 heap used of total; external (MiB) | ${at.map(m).join('<br>')} | | | |`);
    const c = at.map((i) => `${i.launcher} ${fmt(i.cpuPct, 2)} %`).join(', ');
    lines.push(`| edgecore CPU idle, ${pods} pods, % of one core | ${c} | ${pods === 10 ? '1.9 %' : ''} | ${pods === 10 ? '< 1 %' : ''} | ${pods === 10 ? yes(Math.min(...at.map((i) => i.cpuPct)) < 1) : ''} |`);
  }
  if (r.withCtd) {
    const first = r.idle.filter((i, k, a) => a.findIndex((j) => j.pods === i.pods) === k);
    lines.push(`| containerd itself (not in edgecore's figures): RSS / CPU idle at ${first.map((i) => i.pods).join(' / ')} pods | ${first.map((i) => `${mib(i.ctdRssKb)} MiB, ${fmt(i.ctdCpuPct, 2)} %`).join('; ')} | | | |`);
  }
  lines.push(`| bare Node floor: \`node -e\` / \`node --import tsx -e\` | ${mib(r.nodeFloor)} / ${mib(r.tsxFloor)} MiB | | | |`);
  for (const l of LAUNCHERS) {
    const rb = r.reboots.filter((x) => x.launcher === l);
    if (rb.length === 0) continue;
    const t = median(rb.map((x) => x.totalMs));
    lines.push(
      `| offline reboot, 10 pods (${l}): edgecore start → every container running, ${rb.length} runs | median ${fmtS(t)} (${rb.map((x) => fmtS(x.totalMs)).join(', ')}); pods loaded from SQLite at ${fmtS(median(rb.map((x) => x.loadedMs)))} | 11.8 s (OpenYurt 49.9 s) | < 5 s | ${yes(t < 5000)} |`,
    );
  }
  lines.push('');
  return lines;
}

run().then(
  (r) => {
    process.stdout.write(`${table(r).join('\n')}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`bench:edge failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
