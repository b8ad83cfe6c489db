/**
 * Hollow nodes: a simulated peer standing in for kubelets (as KubeEdge's edgemark / Kubernetes'
 * kubemark), for tests and the scale benchmarks. Through src/kube/client only, it
 *   - registers Node objects (capacity = allocatable, Ready=True, addresses, nodeInfo, podCIDR),
 *   - keeps each node's Lease in kube-node-lease renewed (spread over the renew interval),
 *   - runs ONE pod informer (all namespaces, indexed by spec.nodeName) and marks pods bound to its
 *     nodes Running and Ready through pods/status, and confirms the deletion of terminating pods
 *     with a zero-grace delete, as a kubelet does once the containers are gone,
 *   - puts a node's Ready condition back to True if something else changed it while the node is up.
 *
 * `pauseLease(name)` takes a node offline: no lease renewals, no pod status, no deletion
 * confirmations (a real unreachable kubelet can do none of these). `resumeLease(name)` brings it
 * back: lease renewed and Ready posted at once, and its pods caught up.
 *
 * Pods run forever by default. A pod whose restartPolicy is not Always can finish instead: the
 * `outcome` option decides, and by default the pod annotations `hollow.kubeedge.io/outcome`
 * (`Succeeded` | `Failed`) and `hollow.kubeedge.io/run-ms` (how long it runs first) do.
 *
 * Node names must be unique per cluster; a Node that already exists is taken over.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  InformerFactory,
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubeClient,
  RESOURCES,
  WorkQueue,
  rfc3339,
  runWorkers,
  type SharedInformer,
  type V1ContainerStatus,
  type V1Lease,
  type V1Node,
  type V1NodeCondition,
  type V1Pod,
  type V1PodCondition,
  type V1PodStatus,
  type V1Taint,
} from '../../src/kube/client/index.js';

export const HOLLOW_GROUP_LABEL = 'hollow.kubeedge.io/group';
export const EDGE_ROLE_LABEL = 'node-role.kubernetes.io/edge';
export const OUTCOME_ANNOTATION = 'hollow.kubeedge.io/outcome';
export const RUN_MS_ANNOTATION = 'hollow.kubeedge.io/run-ms';
const LEASE_NAMESPACE = 'kube-node-lease';
const NODE_INDEX = 'nodeName';

export type PodOutcome = { readonly phase: 'Running' } | { readonly phase: 'Succeeded' | 'Failed'; readonly afterMs?: number; readonly exitCode?: number };

export interface HollowNodesOptions {
  /** `count` nodes named `<namePrefix>-<i>` (default prefix 'hollow-node'), or exactly `names`. */
  readonly count?: number;
  readonly names?: readonly string[];
  readonly namePrefix?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly V1Taint[];
  /** Merged over cpu '4', memory '8Gi', pods '110'; allocatable is the same. */
  readonly capacity?: Readonly<Record<string, string>>;
  /** Adds the label node-role.kubernetes.io/edge=''. */
  readonly edge?: boolean;
  readonly leaseDurationSeconds?: number;
  /** Default: a quarter of the lease duration (10 s for 40 s), as the kubelet. */
  readonly renewIntervalMs?: number;
  readonly signal?: AbortSignal;
  /** Requests in flight (default 32). */
  readonly concurrency?: number;
  readonly outcome?: (pod: V1Pod) => PodOutcome;
  /** Reports failures that will be retried (default: counted only). */
  readonly onError?: (err: unknown, what: string) => void;
}

export interface HollowNodeStats {
  readonly podsStarted: number;
  readonly podsFinished: number;
  readonly deletionsConfirmed: number;
  readonly leaseRenewals: number;
  readonly errors: number;
}

export interface HollowNodes {
  readonly names: readonly string[];
  readonly group: string;
  readonly client: KubeClient;
  /** The fixture's one pod informer (all pods, indexed by `nodeName`). */
  readonly pods: SharedInformer<V1Pod>;
  pauseLease(name: string): void;
  resumeLease(name: string): Promise<void>;
  isPaused(name: string): boolean;
  stats(): HollowNodeStats;
  stop(): Promise<void>;
}

interface NodeState {
  readonly name: string;
  readonly index: number;
  readonly ip: string;
  uid: string;
  paused: boolean;
  nextLeaseAt: number;
  podSeq: number;
}

interface Plan {
  readonly outcome: PodOutcome;
  finishAt: number | undefined;
}

const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

function defaultOutcome(pod: V1Pod): PodOutcome {
  const a = pod.metadata?.annotations ?? {};
  const phase = a[OUTCOME_ANNOTATION];
  if (phase !== 'Succeeded' && phase !== 'Failed') return { phase: 'Running' };
  const ms = Number(a[RUN_MS_ANNOTATION] ?? '0');
  return { phase, afterMs: Number.isFinite(ms) && ms > 0 ? ms : 0 };
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function condition(type: string, status: string, reason: string, now: string): V1NodeCondition {
  return { type, status, reason, message: `hollow node: ${reason}`, lastHeartbeatTime: now, lastTransitionTime: now };
}

function readyStatus(node: V1Node | undefined): string | undefined {
  return node?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

function isRunningReady(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export async function startHollowNodes(kubeconfigPath: string, opts: HollowNodesOptions): Promise<HollowNodes> {
  const prefix = opts.namePrefix ?? 'hollow-node';
  const names = opts.names ?? Array.from({ length: opts.count ?? 1 }, (_, i) => `${prefix}-${i}`);
  const group = hex(4);
  const concurrency = opts.concurrency ?? 32;
  const leaseSeconds = opts.leaseDurationSeconds ?? 40;
  const renewMs = opts.renewIntervalMs ?? (leaseSeconds * 1000) / 4;
  const outcome = opts.outcome ?? defaultOutcome;
  const capacity = { cpu: '4', memory: '8Gi', pods: '110', ...opts.capacity };
  const client = await KubeClient.fromKubeconfig(kubeconfigPath, { maxSockets: concurrency, fieldManager: 'hollow-kubelet', userAgent: 'hollow-kubelet/kubeedge-ts' });
  const abort = new AbortController();
  const signal = abort.signal;
  setMaxListeners(0, signal); // every request in flight listens on it
  const onOuterAbort = (): void => abort.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const counters = { podsStarted: 0, podsFinished: 0, deletionsConfirmed: 0, leaseRenewals: 0, errors: 0 };
  const report = (err: unknown, what: string): void => {
    if (signal.aborted) return;
    counters.errors++;
    opts.onError?.(err, what);
  };
  const nodes = new Map<string, NodeState>();
  const start = Date.now();
  names.forEach((name, index) => {
    const n = index + 1;
    nodes.set(name, { name, index, ip: `172.${16 + ((n >> 16) & 15)}.${(n >> 8) & 255}.${n & 255}`, uid: '', paused: false, nextLeaseAt: start + (renewMs * index) / names.length, podSeq: 0 });
  });

  const nodeObject = (st: NodeState): V1Node => {
    const now = rfc3339(Date.now());
    const cidr = `10.${(st.index >> 8) & 255}.${st.index & 255}.0/24`;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: st.name,
        labels: {
          'kubernetes.io/hostname': st.name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          [HOLLOW_GROUP_LABEL]: group,
          ...(opts.edge === true ? { [EDGE_ROLE_LABEL]: '' } : {}),
          ...opts.labels,
        },
      },
      spec: { podCIDR: cidr, podCIDRs: [cidr], ...(opts.taints === undefined ? {} : { taints: opts.taints.map((t) => ({ ...t })) }) },
      status: {
        capacity: { ...capacity },
        allocatable: { ...capacity },
        conditions: [
          condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', now),
          condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', now),
          condition('PIDPressure', 'False', 'KubeletHasSufficientPID', now),
          condition('Ready', 'True', 'KubeletReady', now),
        ],
        addresses: [
          { type: 'InternalIP', address: st.ip },
          { type: 'Hostname', address: st.name },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
        nodeInfo: {
          machineID: hex(16),
          systemUUID: hex(16),
          bootID: hex(16),
          kernelVersion: '6.1.0-hollow',
          osImage: 'Hollow Linux (kubeedge-ts)',
          containerRuntimeVersion: 'containerd://1.7.0-hollow',
          kubeletVersion: opts.edge === true ? 'v1.32.0-kubeedge-v1.15.4' : 'v1.32.0-hollow',
          kubeProxyVersion: '',
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    };
  };

  const register = async (st: NodeState): Promise<void> => {
    const want = nodeObject(st);
    let node: V1Node;
    try {
      node = await client.create(RESOURCES.nodes, want, { signal });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const cur = await client.get(RESOURCES.nodes, undefined, st.name, { signal });
      const merged: V1Node = { ...want, metadata: { ...want.metadata, resourceVersion: cur.metadata?.resourceVersion ?? '' } };
      node = await client.update(RESOURCES.nodes, merged, { signal });
      node = await client.updateStatus(RESOURCES.nodes, { ...node, status: want.status ?? {} }, { signal });
    }
    st.uid = node.metadata?.uid ?? '';
    await renewLease(st, true);
  };

  const renewLease = async (st: NodeState, createIfMissing: boolean): Promise<void> => {
    const now = Date.now();
    st.nextLeaseAt = now + renewMs;
    try {
      await client.patch(RESOURCES.leases, LEASE_NAMESPACE, st.name, { spec: { holderIdentity: st.name, leaseDurationSeconds: leaseSeconds, renewTime: microTime(now) } }, { type: 'merge', signal, timeoutMs: Math.max(renewMs, 5_000) });
    } catch (err) {
      if (!isNotFound(err) || !createIfMissing) throw err;
      const lease: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: st.name, namespace: LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: st.name, uid: st.uid }] },
        spec: { holderIdentity: st.name, leaseDurationSeconds: leaseSeconds, renewTime: microTime(now) },
      };
      await client.create(RESOURCES.leases, lease, { signal });
    }
    counters.leaseRenewals++;
  };

  await forEachLimit([...nodes.values()], concurrency, register);

  // informers: every pod (indexed by node), and this group's nodes
  const factory = new InformerFactory(client, { onError: (err, name) => report(err, `informer ${name}`) });
  const pods = factory.informer(RESOURCES.pods);
  pods.addIndex(NODE_INDEX, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  const nodeInformer = factory.informer(RESOURCES.nodes, { labelSelector: `${HOLLOW_GROUP_LABEL}=${group}` });
  const podQueue = new WorkQueue<string>({ name: 'hollow-pods' });
  const nodeQueue = new WorkQueue<string>({ name: 'hollow-nodes' });
  const plans = new Map<string, Plan>();
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const enqueuePod = (p: V1Pod): void => {
    const node = p.spec?.nodeName;
    if (node === undefined || !nodes.has(node)) return;
    podQueue.add(`${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`);
  };
  pods.onAdd(enqueuePod);
  pods.onUpdate((_old, p) => enqueuePod(p));
  pods.onDelete((p) => {
    if (p.metadata?.uid !== undefined) plans.delete(p.metadata.uid);
  });
  const checkNode = (n: V1Node): void => {
    const st = nodes.get(n.metadata?.name ?? '');
    if (st !== undefined && !st.paused && readyStatus(n) !== 'True') nodeQueue.add(st.name);
  };
  nodeInformer.onAdd(checkNode);
  nodeInformer.onUpdate((_old, n) => checkNode(n));

  const runningStatus = (pod: V1Pod, st: NodeState): V1PodStatus => {
    const now = rfc3339(Date.now());
    const seq = st.podSeq++;
    const podIP = `10.${(st.index >> 8) & 255}.${st.index & 255}.${(seq % 253) + 2}`;
    const cond = (type: string): V1PodCondition => ({ type, status: 'True', lastTransitionTime: now });
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled') ?? cond('PodScheduled');
    const containerStatuses: V1ContainerStatus[] = (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: `sha256:${hex(32)}`,
      containerID: `containerd://${hex(32)}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    }));
    const initContainerStatuses: V1ContainerStatus[] = (pod.spec?.initContainers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: `sha256:${hex(32)}`,
      containerID: `containerd://${hex(32)}`,
      ready: true,
      started: false,
      restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
    }));
    return {
      ...pod.status,
      phase: 'Running',
      conditions: [cond('PodReadyToStartContainers'), cond('Initialized'), cond('Ready'), cond('ContainersReady'), { ...scheduled, status: 'True' }],
      hostIP: st.ip,
      hostIPs: [{ ip: st.ip }],
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: now,
      containerStatuses,
      ...(initContainerStatuses.length > 0 ? { initContainerStatuses } : {}),
    };
  };

  const finishedStatus = (pod: V1Pod, phase: 'Succeeded' | 'Failed', exitCode: number): V1PodStatus => {
    const now = rfc3339(Date.now());
    const reason = phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed';
    const conditions = (pod.status?.conditions ?? []).map((c) =>
      c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason, lastTransitionTime: now } : c,
    );
    const containerStatuses = (pod.status?.containerStatuses ?? []).map((c) => ({
      ...c,
      ready: false,
      started: false,
      state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: c.state?.running?.startedAt ?? now, finishedAt: now, containerID: c.containerID ?? '' } },
    }));
    return { ...pod.status, phase, conditions, containerStatuses };
  };

  const handlePod = async (key: string): Promise<void> => {
    const pod = pods.getByKey(key);
    if (pod === undefined) return;
    const st = nodes.get(pod.spec?.nodeName ?? '');
    if (st === undefined || st.paused) return;
    const meta = pod.metadata ?? {};
    const namespace = meta.namespace ?? '';
    const name = meta.name ?? '';
    const uid = meta.uid ?? '';
    if (meta.deletionTimestamp !== undefined) {
      try {
        await client.delete(RESOURCES.pods, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid }, signal });
        counters.deletionsConfirmed++;
      } catch (err) {
        // gone already, or a new pod took the name (uid precondition)
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    let plan = plans.get(uid);
    if (plan === undefined) {
      const o = pod.spec?.restartPolicy === 'Always' || pod.spec?.restartPolicy === undefined ? { phase: 'Running' as const } : outcome(pod);
      plan = { outcome: o, finishAt: undefined };
      plans.set(uid, plan);
    }
    if (!isRunningReady(pod)) {
      await client.updateStatus(RESOURCES.pods, { ...pod, status: runningStatus(pod, st) }, { signal });
      counters.podsStarted++;
      return; // the informer brings the Running pod back here
    }
    const o = plan.outcome;
    if (o.phase === 'Running') return;
    const now = Date.now();
    if (plan.finishAt === undefined) plan.finishAt = now + (o.afterMs ?? 0);
    if (now < plan.finishAt) {
      const t = setTimeout(() => {
        timers.delete(t);
        podQueue.add(key);
      }, plan.finishAt - now);
      timers.add(t);
      return;
    }
    await client.updateStatus(RESOURCES.pods, { ...pod, status: finishedStatus(pod, o.phase, o.exitCode ?? (o.phase === 'Succeeded' ? 0 : 1)) }, { signal });
    counters.podsFinished++;
  };

  const handleNode = async (name: string): Promise<void> => {
    const st = nodes.get(name);
    const node = nodeInformer.get(undefined, name);
    if (st === undefined || st.paused || node === undefined || readyStatus(node) === 'True') return;
    const now = rfc3339(Date.now());
    const others = (node.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
    await client.updateStatus(RESOURCES.nodes, { ...node, status: { ...node.status, conditions: [...others, condition('Ready', 'True', 'KubeletReady', now)] } }, { signal });
  };

  factory.start(signal);
  await factory.waitForSync(signal, 60_000);
  const workers = Promise.all([
    runWorkers(podQueue, concurrency, handlePod, signal, { onError: (key, err) => report(err, `pod ${key}`) }),
    runWorkers(nodeQueue, 4, handleNode, signal, { onError: (key, err) => report(err, `node ${key}`) }),
  ]);

  // lease renewals, spread over the interval: a tick picks the nodes that are due
  const tickMs = Math.max(50, Math.min(1000, renewMs / 4));
  let renewing = false;
  const tick = setInterval(() => {
    if (renewing || signal.aborted) return;
    const now = Date.now();
    const due = [...nodes.values()].filter((st) => !st.paused && st.nextLeaseAt <= now);
    if (due.length === 0) return;
    renewing = true;
    void forEachLimit(due, Math.max(1, Math.floor(concurrency / 2)), async (st) => {
      try {
        await renewLease(st, true);
      } catch (err) {
        st.nextLeaseAt = Date.now() + Math.min(1000, renewMs);
        report(err, `lease ${st.name}`);
      }
    }).finally(() => {
      renewing = false;
    });
  }, tickMs);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      opts.signal?.removeEventListener('abort', onOuterAbort);
      abort.abort();
      clearInterval(tick);
      for (const t of timers) clearTimeout(t);
      podQueue.shutDown();
      nodeQueue.shutDown();
      await workers;
      await factory.stop();
      client.close();
    })();
    return stopped;
  };
  signal.addEventListener('abort', () => void stop(), { once: true });

  const stateOf = (name: string): NodeState => {
    const st = nodes.get(name);
    if (st === undefined) throw new Error(`not a hollow node of this group: ${name}`);
    return st;
  };

  return {
    names,
    group,
    client,
    pods,
    pauseLease(name) {
      stateOf(name).paused = true;
    },
    async resumeLease(name) {
      const st = stateOf(name);
      st.paused = false;
      await renewLease(st, true);
      nodeQueue.add(name);
      for (const key of pods.indexKeys(NODE_INDEX, name)) podQueue.add(key);
    },
    isPaused: (name) => stateOf(name).paused,
    stats: () => ({ ...counters }),
    stop,
  };
}
