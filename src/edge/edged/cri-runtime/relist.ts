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
  /** Containers whose last ContainerStatus failed (their info is a fallback). */
  private partial = new Set<string>();

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

  /**
   * The container's info: the previous one while its state is unchanged, else from ContainerStatus.
   * When ContainerStatus fails the container still counts (a container missing from the view would
   * be started again): the previous info, or what the list says, with the list's state; it is asked
   * again on the next relist.
   */
  private async containerInfo(c: Container, uid: string): Promise<ContainerInfo> {
    const known = this.containers.get(c.id);
    if (known !== undefined && known.state === c.state && !this.partial.has(c.id)) return known;
    const st = (await this.client.containerStatus(c.id).catch(() => undefined))?.status ?? null;
    const base = {
      id: c.id,
      sandboxId: c.podSandboxId,
      uid,
      name: c.metadata?.name ?? c.labels[LABEL_CONTAINER_NAME] ?? '',
      init: c.labels[LABEL_CONTAINER_TYPE] === 'init',
      createdAt: toBigInt(c.createdAt),
      restartCount: int(c.annotations[ANNOTATION_RESTART_COUNT], 0),
      hash: c.annotations[ANNOTATION_HASH] ?? '',
    };
    if (st === null) {
      this.partial.add(c.id);
      if (known !== undefined) return { ...known, state: c.state };
      const none = { startedAt: 0, finishedAt: 0, exitCode: 0, reason: '', message: '', logPath: '' };
      return { ...base, ...none, state: c.state, image: c.image?.image ?? '', imageRef: c.imageRef };
    }
    this.partial.delete(c.id);
    return {
      ...base,
      state: st.state,
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
        containers.set(c.id, await this.containerInfo(c, uid));
      }),
    ]);
    this.sandboxes = sandboxes;
    this.containers = containers;
    for (const id of [...this.partial]) if (!containers.has(id)) this.partial.delete(id);
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
