/**
 * Issue 3, acceptance 4: node lifecycle, edge-aware. A real cloudcore (embedded API server), hollow
 * kubelets for one edge and one cloud node, and the node lifecycle controller in-process with a 3 s
 * grace period and 2 s default eviction. Both leases stop: both nodes turn Ready=Unknown with the
 * unreachable taints; the edge node's pods stay bound (same UIDs) unless one opted in with an
 * unreachable toleration of 1 s; the cloud node's pod is evicted after the default seconds. The edge
 * lease resumes: taints go, Ready=True, same pod UIDs still bound.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeClient, RESOURCES, type V1Node, type V1Pod, type V1Toleration } from '../../src/kube/client/index.js';
import { ControllerManager } from '../../src/kube/controllers/index.js';
import { nodeLifecycleControllers, TAINT_UNREACHABLE } from '../../src/kube/controllers/node-lifecycle/index.js';
import { silentLogger } from '../../src/platform/log/index.js';
import { startCloudcore, startHollowNodes, waitUntil } from '../harness/index.js';

const NS = 'lifecycle';
const EDGE = 'edge-node-1';
const CLOUD = 'cloud-node-1';

function pod(name: string, nodeName: string, tolerations: V1Toleration[] = []): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { nodeName, tolerations, containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
  };
}

const readyOf = (n: V1Node): string | undefined => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
const unreachableTaints = (n: V1Node): string[] =>
  (n.spec?.taints ?? [])
    .filter((t) => t.key === TAINT_UNREACHABLE)
    .map((t) => t.effect ?? '')
    .sort();

test('edge pods survive an offline node; cloud pods and opt-in edge pods are evicted', { timeout: 120_000 }, async (t) => {
  const cc = await startCloudcore({ owner: t });
  const client = await KubeClient.fromKubeconfig(cc.kubeconfigPath);
  t.after(() => client.close());
  const edge = await startHollowNodes(cc.kubeconfigPath, { names: [EDGE], edge: true, leaseDurationSeconds: 3, renewIntervalMs: 500 });
  t.after(() => edge.stop());
  const cloud = await startHollowNodes(cc.kubeconfigPath, { names: [CLOUD], leaseDurationSeconds: 3, renewIntervalMs: 500 });
  t.after(() => cloud.stop());
  const manager = new ControllerManager({
    kubeconfigPath: cc.kubeconfigPath,
    controllers: nodeLifecycleControllers(),
    log: silentLogger(),
    options: { nodeMonitorGracePeriodSeconds: 3, defaultEvictionSeconds: 2 },
  });
  await manager.start();
  t.after(() => manager.stop());

  await client.create(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const optIn: V1Toleration = { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1 };
  for (const p of [pod('edge-stays', EDGE), pod('edge-stays-2', EDGE), pod('edge-opt-in', EDGE, [optIn]), pod('cloud-evicted', CLOUD)]) await client.create(RESOURCES.pods, p);
  const uids = new Map<string, string>();
  await waitUntil(
    async () => {
      const pods = (await client.list(RESOURCES.pods, { namespace: NS })).items;
      for (const p of pods) uids.set(p.metadata?.name ?? '', p.metadata?.uid ?? '');
      return pods.length === 4 && pods.every((p) => p.status?.phase === 'Running');
    },
    { timeoutMs: 20_000, what: 'the pods to run' },
  );
  // healthy nodes stay untainted and Ready over more than a grace period
  await new Promise((r) => setTimeout(r, 4000));
  for (const name of [EDGE, CLOUD]) {
    const n = await client.get(RESOURCES.nodes, undefined, name);
    assert.equal(readyOf(n), 'True', `${name} Ready while its lease is renewed`);
    assert.deepEqual(unreachableTaints(n), []);
  }

  edge.pauseLease(EDGE);
  cloud.pauseLease(CLOUD);
  const pausedAt = Date.now();
  const taintedAt = new Map<string, number>();
  await waitUntil(
    async () => {
      for (const name of [EDGE, CLOUD]) {
        if (taintedAt.has(name)) continue;
        const n = await client.get(RESOURCES.nodes, undefined, name);
        if (readyOf(n) === 'Unknown' && unreachableTaints(n).join() === 'NoExecute,NoSchedule') taintedAt.set(name, Date.now());
      }
      return taintedAt.size === 2;
    },
    { timeoutMs: 20_000, intervalMs: 100, what: 'both nodes Ready=Unknown with the unreachable taints' },
  );
  assert.ok((taintedAt.get(EDGE) ?? 0) - pausedAt >= 2500, 'not before the grace period');
  const edgeNode = await client.get(RESOURCES.nodes, undefined, EDGE);
  const readyCond = edgeNode.status?.conditions?.find((c) => c.type === 'Ready');
  assert.equal(readyCond?.reason, 'NodeStatusUnknown');
  assert.ok((edgeNode.spec?.taints ?? []).every((t) => t.key !== TAINT_UNREACHABLE || (t.timeAdded ?? '') !== ''), 'timeAdded set');

  const goneOrTerminating = async (name: string): Promise<boolean> => {
    try {
      const p = await client.get(RESOURCES.pods, NS, name);
      return p.metadata?.uid !== uids.get(name) || p.metadata?.deletionTimestamp !== undefined;
    } catch {
      return true;
    }
  };
  await waitUntil(() => goneOrTerminating('edge-opt-in'), { timeoutMs: 10_000, what: 'the opt-in edge pod to be evicted' });
  await waitUntil(() => goneOrTerminating('cloud-evicted'), { timeoutMs: 15_000, intervalMs: 50, what: 'the cloud pod to be evicted' });
  const evictionSeen = Date.now();
  const cloudTaint = (await client.get(RESOURCES.nodes, undefined, CLOUD)).spec?.taints?.find((x) => x.key === TAINT_UNREACHABLE && x.effect === 'NoExecute');
  const cloudTaintAdded = Date.parse(cloudTaint?.timeAdded ?? '');
  // the controller deletes at timeAdded + defaultEvictionSeconds; we see it a little later
  assert.ok(evictionSeen >= cloudTaintAdded + 2000, `cloud pod evicted ${evictionSeen - cloudTaintAdded} ms after the taint was added, expected >= 2 s`);

  // Kubernetes' MarkPodsNotReady on the cloud node; the edge pods' status is the kubelet's, untouched
  const podReady = async (name: string): Promise<string | undefined> => (await client.get(RESOURCES.pods, NS, name)).status?.conditions?.find((c) => c.type === 'Ready')?.status;
  await waitUntil(async () => (await podReady('cloud-evicted')) === 'False', { timeoutMs: 5_000, what: 'the cloud pod marked not ready' });
  assert.equal(await podReady('edge-stays'), 'True');

  // well past every toleration: the edge pods are untouched
  await new Promise((r) => setTimeout(r, 3000));
  for (const name of ['edge-stays', 'edge-stays-2']) {
    const p = await client.get(RESOURCES.pods, NS, name);
    assert.equal(p.metadata?.uid, uids.get(name));
    assert.equal(p.metadata?.deletionTimestamp, undefined, `${name} not deleted`);
    assert.equal(p.spec?.nodeName, EDGE);
  }

  const events = async (ns: string): Promise<string[]> => (await client.list(RESOURCES.events, { namespace: ns })).items.map((e) => `${e.reason ?? ''} ${e.involvedObject.name ?? ''} ${e.message ?? ''}`);
  await waitUntil(async () => (await events('default')).some((e) => e.startsWith(`NodeNotReady ${EDGE} Node ${EDGE} status is now: NodeNotReady`)), { what: 'a NodeNotReady event' });
  await waitUntil(async () => (await events(NS)).some((e) => e === `TaintManagerEviction cloud-evicted Marking for deletion Pod ${NS}/cloud-evicted`), { what: 'a TaintManagerEviction event' });
  assert.ok(!(await events(NS)).some((e) => e.startsWith('TaintManagerEviction edge-stays')));

  await edge.resumeLease(EDGE);
  await waitUntil(
    async () => {
      const n = await client.get(RESOURCES.nodes, undefined, EDGE);
      return readyOf(n) === 'True' && unreachableTaints(n).length === 0;
    },
    { timeoutMs: 15_000, what: 'the edge node Ready again without taints' },
  );
  for (const name of ['edge-stays', 'edge-stays-2']) {
    const p = await client.get(RESOURCES.pods, NS, name);
    assert.equal(p.metadata?.uid, uids.get(name), `${name} is the same pod`);
    assert.equal(p.metadata?.deletionTimestamp, undefined);
    assert.equal(p.spec?.nodeName, EDGE);
    assert.equal(p.status?.phase, 'Running');
  }
  // the cloud node is still offline and tainted
  assert.equal(readyOf(await client.get(RESOURCES.nodes, undefined, CLOUD)), 'Unknown');
});
