/**
 * Graceful termination: preStop hooks (exec through ExecSync, httpGet, sleep) within the grace
 * period, StopContainer with what is left of it, then the pod's sandboxes and directories removed.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import type { CriClient } from '../../../platform/cri/client.js';
import type { Logger } from '../../../platform/log/index.js';
import { removePodDir } from '../pod-prep/index.js';
import { runProbe } from '../probe.js';
import type { PodStatusReport, RuntimeOptions } from '../runtime.js';
import type { BackoffTracker } from './backoff.js';
import { podHost, podLogDir, podRef, type PodRef } from './config.js';
import type { PodRecord } from './pod-sync.js';
import { execProbe } from './probes.js';
import { currentSandbox, type ContainerInfo, type PodView } from './view.js';

/** kubelet gives a container at least this long to stop after its preStop hook. */
const MIN_GRACE_AFTER_HOOK_SECONDS = 2;

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function preStop(client: CriClient, c: ContainerInfo, spec: V1Container, host: string, graceSeconds: number): Promise<void> {
  const hook = spec.lifecycle?.preStop;
  if (hook === undefined || graceSeconds <= 0) return;
  const timeoutSeconds = graceSeconds;
  if (hook.exec !== undefined) {
    await execProbe(client, c.id)(hook.exec.command ?? [], timeoutSeconds * 1000);
  } else if (hook.httpGet !== undefined) {
    await runProbe({ httpGet: hook.httpGet, timeoutSeconds }, { host, container: spec, exec: () => Promise.resolve(false) });
  } else if (hook.sleep !== undefined) {
    await new Promise((r) => setTimeout(r, Math.min(hook.sleep?.seconds ?? 0, graceSeconds) * 1000));
  }
}

/** Stops one container within the grace period, running its preStop hook first. */
export async function stopContainer(client: CriClient, c: ContainerInfo, spec: V1Container | undefined, host: string, graceSeconds: number, log: Logger): Promise<void> {
  if (c.state !== 'CONTAINER_RUNNING' && c.state !== 'CONTAINER_CREATED') return;
  const started = Date.now();
  if (spec !== undefined && c.state === 'CONTAINER_RUNNING') {
    await Promise.race([preStop(client, c, spec, host, graceSeconds), new Promise((r) => setTimeout(r, graceSeconds * 1000))]).catch((err: unknown) =>
      log.warn({ container: c.name, err: errText(err) }, 'preStop hook failed'),
    );
  }
  const spent = Math.floor((Date.now() - started) / 1000);
  const left = spec?.lifecycle?.preStop !== undefined && graceSeconds > 0 ? Math.max(MIN_GRACE_AFTER_HOOK_SECONDS, graceSeconds - spent) : graceSeconds;
  await client.stopContainer(c.id, left, { timeoutMs: (left + 30) * 1000 }).catch((err: unknown) => {
    log.warn({ container: c.name, containerId: c.id, err: errText(err) }, 'stop container failed');
  });
}

/** Stops and removes the pod's sandboxes (their containers go with them), then its pod and log directories. Throws when the runtime fails. */
export async function removePodResources(client: CriClient, view: PodView | undefined, rootDir: string, ref: PodRef): Promise<void> {
  for (const s of view?.sandboxes ?? []) {
    await client.stopPodSandbox(s.id, { timeoutMs: 60_000 });
    await client.removePodSandbox(s.id, { timeoutMs: 60_000 });
  }
  removePodDir(rootDir, ref.uid);
  if (ref.name !== '') rmSync(podLogDir(rootDir, ref), { recursive: true, force: true });
}

/** Removes `<rootDir>/pods/<uid>` of pods neither kept nor known (left by pods deleted while edgecore was down). */
export function removeOrphanPodDirs(rootDir: string, known: (uid: string) => boolean, log: Logger): void {
  let uids: string[];
  try {
    uids = readdirSync(join(rootDir, 'pods'));
  } catch {
    return;
  }
  for (const uid of uids) {
    if (known(uid)) continue;
    try {
      removePodDir(rootDir, uid);
      log.info({ uid }, 'removed orphaned pod directory');
    } catch (err) {
      log.warn({ uid, err: errText(err) }, 'orphaned pod directory not removed');
    }
  }
}

export interface KillDeps {
  readonly client: CriClient;
  readonly opts: RuntimeOptions;
  readonly backoff: BackoffTracker;
  readonly log: Logger;
  readonly refresh: () => Promise<void>;
  /** The pod's status once its containers stopped (kept as its final status). */
  readonly finalStatus: (rec: PodRecord, pod: V1Pod | undefined) => PodStatusReport;
}

/** One attempt at killing a pod: containers stopped (final status kept), sandboxes and directories removed. Throws when the runtime fails. */
export async function killOnce(d: KillDeps, rec: PodRecord, pod: V1Pod | undefined, graceSeconds: number): Promise<void> {
  await d.refresh();
  const host = podHost(d.opts, pod, rec.view);
  const specs = [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])];
  await Promise.all((rec.view?.containers ?? []).map((c) => stopContainer(d.client, c, specs.find((s) => s.name === c.name), host, graceSeconds, d.log)));
  await d.refresh();
  rec.final ??= d.finalStatus(rec, pod);
  const sb = currentSandbox(rec.view);
  const ref = pod !== undefined ? podRef(pod) : { name: sb?.name ?? '', namespace: sb?.namespace ?? '', uid: rec.uid };
  await removePodResources(d.client, rec.view, d.opts.rootDir, { ...ref, uid: rec.uid });
  d.backoff.resetPrefix(`${rec.uid}/`);
  d.backoff.resetPrefix(`pull/${rec.uid}/`);
  await d.refresh();
}
