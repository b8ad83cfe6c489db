/**
 * Issue 3, acceptance 2 (scheduler parts): the scheduler runs in-process against the real embedded
 * API server, with hollow nodes standing in for kubelets. Each case uses its own nodes (label
 * `suite=<case>`) and confines its pods to them with a nodeSelector, so the cases share one server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/base/index.js';
import { DEFAULT_CONTROL_PLANE_OPTIONS, type ControllerContext } from '../../src/kube/controllers/index.js';
import { EventRecorder, InformerFactory, isNotFound, KubeClient, KubeConnection, RESOURCES, type V1Pod, type V1PodSpec } from '../../src/kube/client/index.js';
import { createScheduler, type SchedulerHandle } from '../../src/kube/scheduler/index.js';
import { silentLogger } from '../../src/platform/log/index.js';
import { createNamespace, startCloudcore, startHollowNodes, waitUntil, type CloudcoreHandle, type HollowNodes, type HollowNodesOptions } from '../harness/index.js';

const NS = 'sched';
const WAIT = { timeoutMs: 30_000, intervalMs: 50 };
const EDGE_TAINT = { key: 'node-role.kubernetes.io/edge', effect: 'NoSchedule' };

function podSpec(suite: string, cpu: string, extra: Partial<V1PodSpec> = {}): V1PodSpec {
  return {
    nodeSelector: { suite },
    containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'], resources: { requests: { cpu, memory: '64Mi' } } }],
    ...extra,
  };
}

describe('scheduler', () => {
  let cc: CloudcoreHandle;
  let client: KubeClient;
  let handle: SchedulerHandle | undefined;
  const abort = new AbortController();
  const hollows: HollowNodes[] = [];

  const hollow = async (opts: HollowNodesOptions): Promise<HollowNodes> => {
    const h = await startHollowNodes(cc.kubeconfigPath, { renewIntervalMs: 1000, ...opts });
    hollows.push(h);
    return h;
  };
  const create = (name: string, spec: V1PodSpec): Promise<V1Pod> => client.create(RESOURCES.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec });
  const get = (name: string): Promise<V1Pod> => client.get(RESOURCES.pods, NS, name);
  const running = (name: string): Promise<V1Pod> =>
    waitUntil(
      async () => {
        const p = await get(name);
        return p.spec?.nodeName !== undefined && p.status?.phase === 'Running' ? p : undefined;
      },
      { ...WAIT, what: `${name} bound and Running` },
    );
  const eventsOf = async (name: string, reason: string): Promise<string[]> =>
    (await client.list(RESOURCES.events, { namespace: NS })).items.filter((e) => e.involvedObject.name === name && e.reason === reason).map((e) => e.message ?? '');
  const eventOf = (name: string, reason: string): Promise<string> =>
    waitUntil(async () => (await eventsOf(name, reason))[0], { ...WAIT, what: `a ${reason} event for ${name}` });

  before(async () => {
    cc = await startCloudcore();
    await createNamespace(cc.client, NS);
    const connection = await KubeConnection.fromKubeconfig(cc.kubeconfigPath, { userAgent: 'kubeedge-ts-scheduler-test' });
    client = new KubeClient(connection, { fieldManager: 'default-scheduler' });
    const informers = new InformerFactory(client);
    const ctx: ControllerContext = {
      client,
      informers,
      recorder: (component) => new EventRecorder(client, component),
      log: silentLogger(),
      clock: systemClock,
      options: DEFAULT_CONTROL_PLANE_OPTIONS,
    };
    const started = createScheduler({ onStarted: (h) => (handle = h) }).start(ctx, abort.signal);
    informers.start(abort.signal);
    await started;
  });

  after(async () => {
    abort.abort();
    for (const h of hollows) await h.stop();
    client.close();
    await cc.dispose();
  });

  it('binds pods, spreading them over three nodes, with a Scheduled event', async () => {
    const h = await hollow({ names: ['spread-0', 'spread-1', 'spread-2'], labels: { suite: 'spread' } });
    for (let i = 0; i < 3; i++) await create(`spread-${i}`, podSpec('spread', '500m'));
    const nodes = new Set<string>();
    for (let i = 0; i < 3; i++) nodes.add((await running(`spread-${i}`)).spec?.nodeName ?? '');
    assert.deepEqual([...nodes].sort(), [...h.names].sort());
    const msg = await eventOf('spread-0', 'Scheduled');
    assert.match(msg, /^Successfully assigned sched\/spread-0 to spread-\d$/);
    const p = await get('spread-0');
    assert.equal(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    assert.ok((handle?.stats().bound ?? 0) >= 3);
  });

  it('honours nodeSelector, required and preferred node affinity', async () => {
    await hollow({ names: ['aff-a'], labels: { suite: 'aff', zone: 'a' } });
    await hollow({ names: ['aff-b'], labels: { suite: 'aff', zone: 'b' } });
    await create('sel-b', podSpec('aff', '100m', { nodeSelector: { suite: 'aff', zone: 'b' } }));
    await create('req-a', podSpec('aff', '100m', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }));
    await create('pref-b', podSpec('aff', '100m', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] } }] } } }));
    assert.equal((await running('sel-b')).spec?.nodeName, 'aff-b');
    assert.equal((await running('req-a')).spec?.nodeName, 'aff-a');
    assert.equal((await running('pref-b')).spec?.nodeName, 'aff-b');
  });

  it('keeps a pod off tainted nodes unless it tolerates the taint', async () => {
    await hollow({ names: ['taint-0'], labels: { suite: 'taint' }, edge: true, taints: [EDGE_TAINT] });
    await create('no-toleration', podSpec('taint', '100m'));
    await create('tolerates', podSpec('taint', '100m', { tolerations: [{ key: EDGE_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }] }));
    assert.equal((await running('tolerates')).spec?.nodeName, 'taint-0');
    const msg = await eventOf('no-toleration', 'FailedScheduling');
    assert.match(msg, /^0\/\d+ nodes are available: .*1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/edge: \}/);
    assert.equal((await get('no-toleration')).spec?.nodeName, undefined);
  });

  it('leaves a pod that fits nowhere Pending with the reason, and schedules it when a fitting node appears', async () => {
    await create('late', podSpec('late', '100m'));
    const cond = await waitUntil(
      async () => {
        const c = (await get('late')).status?.conditions?.find((x) => x.type === 'PodScheduled');
        return c?.status === 'False' ? c : undefined;
      },
      { ...WAIT, what: 'PodScheduled=False on the pending pod' },
    );
    assert.equal(cond.reason, 'Unschedulable');
    assert.match(cond.message ?? '', /^0\/\d+ nodes are available: \d+ node\(s\) didn't match Pod's node affinity\/selector/);
    const msg = await eventOf('late', 'FailedScheduling');
    assert.match(msg, /didn't match Pod's node affinity\/selector/);
    assert.equal((await get('late')).status?.phase, 'Pending');
    // a node with too little cpu does not help; then a big enough one does
    await hollow({ names: ['late-small'], labels: { suite: 'late' }, capacity: { cpu: '50m' } });
    await waitUntil(async () => (await eventsOf('late', 'FailedScheduling')).some((m) => m.includes('1 Insufficient cpu')), { ...WAIT, what: 'an Insufficient cpu event' });
    await hollow({ names: ['late-0'], labels: { suite: 'late' } });
    assert.equal((await running('late')).spec?.nodeName, 'late-0');
  });

  it('a high-priority pod preempts a low-priority one on a full node', async () => {
    await client.create(RESOURCES.priorityclasses, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'sched-low' }, value: 10 });
    await client.create(RESOURCES.priorityclasses, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'sched-high' }, value: 1000 });
    await hollow({ names: ['prio-0'], labels: { suite: 'prio' }, capacity: { cpu: '1' } });
    await create('low', podSpec('prio', '800m', { priorityClassName: 'sched-low' }));
    const low = await running('low');
    await create('high', podSpec('prio', '500m', { priorityClassName: 'sched-high' }));
    await waitUntil(async () => get('low').then((p) => p.metadata?.uid !== low.metadata?.uid, isNotFound), { ...WAIT, what: 'the low-priority pod to be evicted' });
    assert.equal((await running('high')).spec?.nodeName, 'prio-0');
    assert.match(await eventOf('low', 'Preempted'), /^Preempted by pod .* on node prio-0$/);
    assert.ok((handle?.stats().preemptions ?? 0) >= 1);
  });
});
