/**
 * One relist (kubelet's PLEG): ListPodSandbox + ListContainers, with ContainerStatus and
 * PodSandboxStatus fetched only for what is new or changed state since the previous relist.
 */
import type { CriClient } from '../../../platform/cri/client.js';
import type { Container, PodSandbox } from '../../../platform/cri/types.js';
import {
  ANNOTATION_GRACE,
  ANNOTATION_HASH,
  ANNOTATION_RESTART_COUNT,
  LABEL_CONTAINER_NAME,
  LABEL_CONTAINER_TYPE,
  LABEL_HOST_NETWORK,
  LABEL_POD_NAME,
  LABEL_POD_NAMESPACE,
  LABEL_POD_UID,
} from './labels.js';
import { newestFirst, nsToMs, toBigInt, type ContainerInfo, type PodView, type SandboxInfo } from './view.js';

const int = (s: string | undefined, dflt: number): number => {
  const n = Number(s);
  return s !== undefined && s !== '' && Number.isInteger(n) && n >= 0 ? n : dflt;
};

export class Relister {
  private sandboxes = new Map<string, SandboxInfo>();
  private containers = new Map<string, ContainerInfo>();

  constructor(private readonly client: CriClient) {}

  private async sandboxInfo(s: PodSandbox, uid: string): Promise<SandboxInfo> {
    const ready = s.state === 'SANDBOX_READY';
    const known = this.sandboxes.get(s.id);
    if (known !== undefined && known.ready === ready && (known.ip !== '' || !ready || known.hostNetwork)) return known;
    const hostNetwork = s.labels[LABEL_HOST_NETWORK] === 'true';
    let ip = known?.ip ?? '';
    if (ready && !hostNetwork && ip === '') {
      const st = await this.client.podSandboxStatus(s.id).catch(() => undefined);
      ip = st?.status?.network?.ip ?? '';
    }
    return {
      id: s.id,
      uid,
      name: s.metadata?.name ?? s.labels[LABEL_POD_NAME] ?? '',
      namespace: s.metadata?.namespace ?? s.labels[LABEL_POD_NAMESPACE] ?? '',
      attempt: s.metadata?.attempt ?? 0,
      ready,
      createdAt: toBigInt(s.createdAt),
      hostNetwork,
      ip,
      graceSeconds: int(s.annotations[ANNOTATION_GRACE], 30),
    };
  }

  private async containerInfo(c: Container, uid: string): Promise<ContainerInfo | undefined> {
    const known = this.containers.get(c.id);
    if (known !== undefined && known.state === c.state) return known;
    const st = (await this.client.containerStatus(c.id).catch(() => undefined))?.status ?? null;
    if (st === null) return undefined;
    return {
      id: c.id,
      sandboxId: c.podSandboxId,
      uid,
      name: c.metadata?.name ?? c.labels[LABEL_CONTAINER_NAME] ?? '',
      init: c.labels[LABEL_CONTAINER_TYPE] === 'init',
      state: st.state,
      createdAt: toBigInt(c.createdAt),
      restartCount: int(c.annotations[ANNOTATION_RESTART_COUNT], 0),
      hash: c.annotations[ANNOTATION_HASH] ?? '',
      image: st.image?.image ?? c.image?.image ?? '',
      imageRef: st.imageRef,
      startedAt: nsToMs(st.startedAt),
      finishedAt: nsToMs(st.finishedAt),
      exitCode: st.exitCode,
      reason: st.reason,
      message: st.message,
      logPath: st.logPath,
    };
  }

  /** Lists everything carrying our pod-UID label; views by pod UID. Throws when the runtime fails. */
  async relist(): Promise<Map<string, PodView>> {
    const [sbs, cs] = await Promise.all([this.client.listPodSandbox(), this.client.listContainers()]);
    const sandboxes = new Map<string, SandboxInfo>();
    const containers = new Map<string, ContainerInfo>();
    await Promise.all([
      ...sbs.map(async (s) => {
        const uid = s.labels[LABEL_POD_UID];
        if (uid === undefined || uid === '') return;
        sandboxes.set(s.id, await this.sandboxInfo(s, uid));
      }),
      ...cs.map(async (c) => {
        const uid = c.labels[LABEL_POD_UID];
        if (uid === undefined || uid === '') return;
        const info = await this.containerInfo(c, uid);
        if (info !== undefined) containers.set(c.id, info);
      }),
    ]);
    this.sandboxes = sandboxes;
    this.containers = containers;
    const views = new Map<string, { uid: string; name: string; namespace: string; sandboxes: SandboxInfo[]; containers: ContainerInfo[] }>();
    const viewOf = (uid: string, name: string, namespace: string) => {
      let v = views.get(uid);
      if (v === undefined) {
        v = { uid, name, namespace, sandboxes: [], containers: [] };
        views.set(uid, v);
      }
      return v;
    };
    for (const s of sandboxes.values()) viewOf(s.uid, s.name, s.namespace).sandboxes.push(s);
    for (const c of containers.values()) viewOf(c.uid, '', '').containers.push(c);
    for (const v of views.values()) {
      v.sandboxes.sort(newestFirst);
      v.containers.sort(newestFirst);
    }
    return views as Map<string, PodView>;
  }
}
