/**
 * One pass of making a pod run as its spec says (kubelet's SyncPod): the sandbox (re)created when
 * missing or not ready, volumes prepared, init containers one at a time, then the app containers;
 * exited containers restarted per restartPolicy with CrashLoopBackOff, containers whose spec hash
 * changed replaced. Decisions read the view of the last relist; every change ends with a relist.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import type { CriClient } from '../../../platform/cri/client.js';
import type { ContainerConfig } from '../../../platform/cri/types.js';
import type { Logger } from '../../../platform/log/index.js';
import type { PodStatusReport, RuntimeOptions } from '../runtime.js';
import { commandLine, expandVars, prepareVolumes, resolveEnv, type PodContext, type PreparedVolumes } from '../pod-prep/index.js';
import type { BackoffTracker } from './backoff.js';
import { containerConfig, gracePeriodSeconds, isHostNetwork, podHost, podLogDir, podRef, restartPolicyOf, sandboxConfig } from './config.js';
import { ensureImage, type ImageDeps } from './images.js';
import { runProbe } from '../probe.js';
import { stopContainer } from './kill.js';
import { execProbe } from './probes.js';
import { containerHash } from './labels.js';
import { verifyRunAsNonRoot, type ImageUser } from './security.js';
import { resolveSubPath } from './subpath.js';
import type { RestartPolicy, Waiting } from './status.js';
import { containersNamed, currentSandbox, type PodView, type SandboxInfo } from './view.js';

export interface PodRecord {
  readonly uid: string;
  /** The spec; undefined for a pod adopted from the runtime and not synced yet. */
  pod: V1Pod | undefined;
  view: PodView | undefined;
  readonly waiting: Map<string, Waiting>;
  killed: boolean;
  /** The status once killed. */
  final: PodStatusReport | undefined;
  /**
   * Set (to the number of relists started so far) before the pod is changed on the runtime; cleared
   * by the first relist started after that. While set, the view may miss the change: a pass relists first.
   */
  changedAt: number | undefined;
}

export interface SyncDeps {
  readonly client: CriClient;
  readonly opts: RuntimeOptions;
  readonly backoff: BackoffTracker;
  readonly images: ImageDeps;
  readonly log: Logger;
  /** Relists now (updates every record's view). */
  readonly refresh: () => Promise<void>;
  /** Marks the record as changed on the runtime (see PodRecord.changedAt). */
  readonly changing: (rec: PodRecord) => void;
  /** Syncs the pod again after `ms` (a backoff ends). */
  readonly wakeAfter: (rec: PodRecord, ms: number) => void;
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

interface WaitingWriter {
  set(name: string, w: Waiting): void;
  delete(name: string): void;
}

/** Writes a pass's waiting reasons straight into the record (so they show at once); finish() drops the ones it did not set. */
function passWaiting(live: Map<string, Waiting>): WaitingWriter & { finish(): void } {
  const seen = new Set<string>();
  return {
    set(name, w) {
      live.set(name, w);
      seen.add(name);
    },
    delete(name) {
      live.delete(name);
      seen.delete(name);
    },
    finish() {
      for (const name of [...live.keys()]) if (!seen.has(name)) live.delete(name);
    },
  };
}

interface Pass {
  readonly d: SyncDeps;
  readonly rec: PodRecord;
  readonly pod: V1Pod;
  readonly sandbox: SandboxInfo;
  readonly ctx: PodContext;
  readonly waiting: WaitingWriter;
  volumes: PreparedVolumes | undefined;
}

function volumesOf(p: Pass): PreparedVolumes {
  if (p.volumes === undefined) {
    try {
      p.volumes = prepareVolumes(p.pod, p.d.opts.rootDir, p.d.opts.objects, p.ctx);
    } catch (err) {
      p.volumes = { hostPaths: new Map(), problems: [errText(err)] };
    }
  }
  return p.volumes;
}

/** Creates and starts one container; false (with a waiting reason recorded) when it could not. */
async function startContainer(p: Pass, spec: V1Container, init: boolean): Promise<boolean> {
  const { d, pod, waiting } = p;
  const vols = volumesOf(p);
  if (vols.problems.length > 0) {
    waiting.set(spec.name, { reason: 'ContainerCreating', message: vols.problems.join('; ') });
    return false;
  }
  const env = resolveEnv(pod, spec, d.opts.objects, p.ctx);
  if (env.error !== undefined) {
    waiting.set(spec.name, { reason: 'CreateContainerConfigError', message: env.error });
    return false;
  }
  const sbConfig = sandboxConfig(pod, d.opts.rootDir, p.sandbox.attempt);
  const img = await ensureImage(d.images, pod, spec, sbConfig);
  if (!img.ok) {
    waiting.set(spec.name, img.waiting);
    if (img.retryMs !== undefined) d.wakeAfter(p.rec, img.retryMs);
    return false;
  }
  const last = containersNamed(p.rec.view, spec.name)[0];
  const restartCount = last === undefined ? 0 : last.restartCount + 1;
  let config: ContainerConfig;
  try {
    const nonRoot = verifyRunAsNonRoot(pod, spec, await imageUser(d, pod, spec));
    if (nonRoot !== undefined) throw new Error(nonRoot);
    config = containerConfig({
      pod,
      container: spec,
      init,
      restartCount,
      env: env.env,
      cmd: commandLine(spec, env.env),
      hostPaths: vols.hostPaths,
      expand: (s) => expandVars(s, env.env),
      rootDir: d.opts.rootDir,
      subPath: resolveSubPath,
    });
  } catch (err) {
    waiting.set(spec.name, { reason: 'CreateContainerConfigError', message: errText(err) });
    return false;
  }
  mkdirSync(join(podLogDir(d.opts.rootDir, podRef(pod)), spec.name), { recursive: true });
  let id: string;
  try {
    d.changing(p.rec);
    id = await d.client.createContainer(p.sandbox.id, config, sbConfig, { timeoutMs: 60_000 });
  } catch (err) {
    waiting.set(spec.name, { reason: 'CreateContainerError', message: errText(err) });
    return false;
  }
  try {
    await d.client.startContainer(id, { timeoutMs: 60_000 });
  } catch (err) {
    waiting.set(spec.name, { reason: 'RunContainerError', message: errText(err) });
    return true;
  }
  waiting.delete(spec.name);
  d.log.info({ container: spec.name, containerId: id, restartCount }, 'container started');
  if (spec.lifecycle?.postStart !== undefined && !(await postStart(d, spec, id, p.ctx.podIP || d.opts.nodeIP, gracePeriodSeconds(pod)))) {
    d.log.warn({ container: spec.name, containerId: id }, 'postStart hook failed; killing container');
    await d.client.stopContainer(id, gracePeriodSeconds(pod)).catch(() => undefined);
  }
  return true;
}

/** The image's user, looked up only when runAsNonRoot must be checked against it. */
async function imageUser(d: SyncDeps, pod: V1Pod, spec: V1Container): Promise<ImageUser> {
  const sc = spec.securityContext;
  const psc = pod.spec?.securityContext;
  if ((sc?.runAsNonRoot ?? psc?.runAsNonRoot) !== true || (sc?.runAsUser ?? psc?.runAsUser) !== undefined) return { uid: undefined, username: '' };
  const img = await d.client.imageStatus({ image: spec.image ?? '' });
  if (img === null) throw new Error(`image "${spec.image ?? ''}" not found when checking runAsNonRoot`);
  const uid = img.uid !== null ? Number(img.uid.value) : undefined;
  return { uid, username: img.username };
}

/** Runs the postStart hook (exec or httpGet) once the container started; false when it failed. */
async function postStart(d: SyncDeps, spec: V1Container, id: string, host: string, graceSeconds: number): Promise<boolean> {
  const hook = spec.lifecycle?.postStart;
  const timeoutSeconds = Math.max(1, graceSeconds);
  if (hook?.exec !== undefined) return execProbe(d.client, id)(hook.exec.command ?? [], timeoutSeconds * 1000);
  if (hook?.httpGet !== undefined) return runProbe({ httpGet: hook.httpGet, timeoutSeconds }, { host, container: spec, exec: () => Promise.resolve(false) });
  if (hook?.sleep !== undefined) await new Promise((r) => setTimeout(r, (hook.sleep?.seconds ?? 0) * 1000));
  return true;
}

/**
 * What to do with one container whose newest instance in the current sandbox is `cur`:
 * 'start' a (new) one, 'wait' (it runs, or backs off), or 'done' (exited and stays so).
 */
async function decide(p: Pass, spec: V1Container, init: boolean, policy: RestartPolicy): Promise<'start' | 'wait' | 'done'> {
  const { d, rec, pod } = p;
  const cur = containersNamed(rec.view, spec.name).find((c) => c.sandboxId === p.sandbox.id);
  if (cur === undefined) return 'start';
  if (cur.state === 'CONTAINER_CREATED') {
    await d.client.startContainer(cur.id).catch((err: unknown) => p.waiting.set(spec.name, { reason: 'RunContainerError', message: errText(err) }));
    return 'wait';
  }
  if (cur.state === 'CONTAINER_RUNNING') {
    if (init || cur.hash === '' || cur.hash === containerHash(spec)) return 'wait';
    d.log.info({ container: spec.name, containerId: cur.id }, 'container spec changed; restarting it');
    d.changing(rec);
    await stopContainer(d.client, cur, spec, podHost(d.opts, pod, rec.view), gracePeriodSeconds(pod), d.log);
    return 'start';
  }
  const failed = cur.exitCode !== 0;
  const restart = init ? failed && policy !== 'Never' : policy === 'Always' || (policy === 'OnFailure' && failed);
  if (!restart) return 'done';
  const key = `${rec.uid}/${spec.name}`;
  const now = d.opts.clock.now();
  const wait = d.backoff.restartWait(key, cur.startedAt, cur.finishedAt > 0 ? cur.finishedAt : now, now);
  if (wait > 0) {
    const ref = podRef(pod);
    const secs = Math.round(d.backoff.delay(key) / 1000);
    p.waiting.set(spec.name, { reason: 'CrashLoopBackOff', message: `back-off ${secs}s restarting failed container=${spec.name} pod=${ref.name}_${ref.namespace}(${ref.uid})` });
    d.wakeAfter(rec, wait);
    return 'wait';
  }
  return 'start';
}

/**
 * A pod whose restartPolicy is not Always and whose app containers all ended for good (Never: any
 * exit; OnFailure: exit 0): kubelet stops its sandbox and never runs it again.
 */
export function podFinished(view: PodView | undefined, pod: V1Pod): boolean {
  const policy = restartPolicyOf(pod);
  const app = pod.spec?.containers ?? [];
  if (policy === 'Always' || app.length === 0) return false;
  return app.every((spec) => {
    const cur = containersNamed(view, spec.name)[0];
    return cur?.state === 'CONTAINER_EXITED' && (policy === 'Never' || cur.exitCode === 0);
  });
}

/** Runs (or re-runs) the sandbox; undefined when it could not (the reason recorded for every container). */
async function ensureSandbox(d: SyncDeps, rec: PodRecord, pod: V1Pod, waiting: WaitingWriter): Promise<SandboxInfo | undefined> {
  const old = currentSandbox(rec.view);
  if (old?.ready === true) return old;
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  if (old !== undefined && podFinished(rec.view, pod)) return undefined;
  const ref = podRef(pod);
  try {
    mkdirSync(podLogDir(d.opts.rootDir, ref), { recursive: true });
    const attempt = old === undefined ? 0 : old.attempt + 1;
    d.changing(rec);
    const id = await d.client.runPodSandbox(sandboxConfig(pod, d.opts.rootDir, attempt), '', { timeoutMs: 120_000 });
    d.log.info({ podSandboxId: id, attempt }, 'pod sandbox started');
    // A still-ready old sandbox is stopped now; stopped ones are stopped again (releasing what the network
    // plugin may hold) off the critical path, so a pod with many old sandboxes (one per reboot) starts as fast.
    for (const s of rec.view?.sandboxes ?? []) {
      if (s.id === id) continue;
      if (s.ready) await d.client.stopPodSandbox(s.id).catch(() => undefined);
      else void d.client.stopPodSandbox(s.id).catch(() => undefined);
    }
    await d.refresh();
    const sb = currentSandbox(rec.view);
    return sb?.id === id && sb.ready ? sb : undefined;
  } catch (err) {
    d.log.warn({ err: errText(err) }, 'pod sandbox failed');
    for (const c of all) waiting.set(c.name, { reason: 'ContainerCreating', message: `Failed to create pod sandbox: ${errText(err)}` });
    d.wakeAfter(rec, 10_000);
    return undefined;
  }
}

/** One sync pass; `refreshVolumes` rewrites the volumes even when no container starts. */
export async function syncPodOnce(d: SyncDeps, rec: PodRecord, refreshVolumes: boolean): Promise<void> {
  const pod = rec.pod;
  if (pod === undefined || rec.killed) return;
  // The last pass changed the runtime but could not relist: see the change before deciding again.
  if (rec.changedAt !== undefined) await d.refresh();
  const waiting = passWaiting(rec.waiting);
  try {
    const sandbox = await ensureSandbox(d, rec, pod, waiting);
    if (sandbox === undefined) return;
    const podIP = isHostNetwork(pod) ? d.opts.nodeIP : sandbox.ip;
    const p: Pass = { d, rec, pod, sandbox, waiting, volumes: undefined, ctx: { nodeName: d.opts.nodeName, hostIP: d.opts.nodeIP, podIP } };
    if (refreshVolumes) volumesOf(p);
    const policy = restartPolicyOf(pod);
    let changed = false;
    for (const spec of pod.spec?.initContainers ?? []) {
      const cur = containersNamed(rec.view, spec.name).find((c) => c.sandboxId === sandbox.id);
      if (cur?.state === 'CONTAINER_EXITED' && cur.exitCode === 0) continue;
      const what = await decide(p, spec, true, policy);
      if (what === 'start') changed = await startContainer(p, spec, true);
      if (changed) await d.refresh();
      return;
    }
    for (const spec of pod.spec?.containers ?? []) {
      try {
        if ((await decide(p, spec, false, policy)) === 'start') changed = (await startContainer(p, spec, false)) || changed;
      } catch (err) {
        // One container's failure (the runtime refused a call) does not hold back the others.
        waiting.set(spec.name, { reason: 'CreateContainerError', message: errText(err) });
      }
    }
    if (changed) await d.refresh();
    else if (podFinished(rec.view, pod)) {
      d.log.info({ podSandboxId: sandbox.id }, 'pod finished; stopping its sandbox');
      d.changing(rec);
      await d.client.stopPodSandbox(sandbox.id, { timeoutMs: 60_000 });
      await d.refresh();
    }
  } finally {
    waiting.finish();
  }
}
