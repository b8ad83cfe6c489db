/**
 * Dead container GC as kubelet with maxPerPodContainer 1: of each (pod, container name) only the
 * newest exited container is kept (it gives lastState and the restart count); sandboxes that are
 * neither the newest nor ready and hold no container any more are removed.
 */
import type { CriClient } from '../../../platform/cri/client.js';
import type { Logger } from '../../../platform/log/index.js';
import type { PodView } from './view.js';

export interface GcPlan {
  readonly containers: readonly string[];
  readonly sandboxes: readonly string[];
}

/** What to remove (pure). Views list containers and sandboxes newest first. */
export function planContainerGc(views: Iterable<PodView>): GcPlan {
  const containers: string[] = [];
  const sandboxes: string[] = [];
  for (const v of views) {
    const keptExited = new Set<string>();
    const remaining = new Set<string>();
    for (const c of v.containers) {
      if (c.state !== 'CONTAINER_EXITED') {
        remaining.add(c.sandboxId);
        continue;
      }
      if (keptExited.has(c.name)) containers.push(c.id);
      else {
        keptExited.add(c.name);
        remaining.add(c.sandboxId);
      }
    }
    v.sandboxes.forEach((s, i) => {
      if (i > 0 && !s.ready && !remaining.has(s.id)) sandboxes.push(s.id);
    });
  }
  return { containers, sandboxes };
}

export async function runContainerGc(client: CriClient, views: Iterable<PodView>, log: Logger): Promise<number> {
  const plan = planContainerGc(views);
  let removed = 0;
  for (const id of plan.containers) {
    await client.removeContainer(id).then(
      () => removed++,
      (err: unknown) => log.warn({ containerId: id, err: err instanceof Error ? err.message : String(err) }, 'dead container removal failed'),
    );
  }
  for (const id of plan.sandboxes) {
    await client.stopPodSandbox(id).catch(() => undefined);
    await client.removePodSandbox(id).then(
      () => removed++,
      (err: unknown) => log.warn({ podSandboxId: id, err: err instanceof Error ? err.message : String(err) }, 'dead sandbox removal failed'),
    );
  }
  return removed;
}
