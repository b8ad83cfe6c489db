/**
 * Issue 3 through the product path: the cloudcore binary with its embedded controllers and
 * scheduler (`--embedded-controllers=true`), hollow nodes standing in for kubelets, and the real
 * kubectl. The controller and scheduler integration tests cover the details; this checks that the
 * pieces run together as a user starts them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RESOURCES, type V1Node, type V1Pod } from '../../src/kube/client/index.js';
import {
  kubectlSession,
  requireKubectl,
  startCloudcore,
  startHollowNodes,
  waitUntil,
  type CloudcoreHandle,
  type HollowNodes,
  type KubectlSession,
} from '../harness/index.js';

const NS = 'e2e-cp';
const kubectl = await requireKubectl();

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${NS}}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: "busybox:1"}]
`;

describe('embedded control plane in cloudcore, driven by kubectl', { timeout: 300_000, skip: kubectl.skip }, () => {
  let cc: CloudcoreHandle;
  let k: KubectlSession;
  const fleets: HollowNodes[] = [];
  const abort = new AbortController();

  before(async () => {
    cc = await startCloudcore({ controllers: true, extraArgs: ['--node-monitor-grace-period', '4'] });
    k = await kubectlSession({ kubeconfig: cc.kubeconfigPath });
    fleets.push(await startHollowNodes(cc.kubeconfigPath, { names: ['cp-a', 'cp-b', 'cp-c'], signal: abort.signal }));
    fleets.push(
      await startHollowNodes(cc.kubeconfigPath, {
        names: ['cp-edge'],
        edge: true,
        taints: [{ key: 'node-role.kubernetes.io/edge', effect: 'NoSchedule' }],
        signal: abort.signal,
      }),
    );
    await k.ok(['create', 'namespace', NS]);
  });

  after(async () => {
    abort.abort();
    for (const f of fleets) await f.stop();
    await cc?.dispose();
  });

  const pods = async (selector: string): Promise<V1Pod[]> => {
    const list = (await k.json(['get', 'pods', '-n', NS, '-l', selector])) as { items: V1Pod[] };
    return list.items;
  };

  it('rolls a Deployment out, updates, undoes and scales it with the real scheduler', async () => {
    assert.match(await k.ok(['apply', '-f', '-'], { input: DEPLOYMENT }), /deployment.apps\/web created/);
    await k.ok(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout=120s'], { timeoutMs: 130_000 });
    const first = await pods('app=web');
    assert.equal(first.length, 3);
    assert.deepEqual(new Set(first.map((p) => p.spec?.nodeName)), new Set(['cp-a', 'cp-b', 'cp-c']), 'spread over the three cloud nodes, none on the tainted edge node');
    const firstRs = first[0]?.metadata?.labels?.['pod-template-hash'];

    await k.ok(['set', 'image', 'deploy/web', 'c=busybox:2', '-n', NS]);
    await k.ok(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout=120s'], { timeoutMs: 130_000 });
    await waitUntil(async () => (await pods('app=web')).every((p) => p.spec?.containers[0]?.image === 'busybox:2' && p.metadata?.deletionTimestamp === undefined) || false, { timeoutMs: 60_000, what: 'all pods on busybox:2' });

    await k.ok(['rollout', 'undo', 'deploy/web', '-n', NS]);
    await k.ok(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout=120s'], { timeoutMs: 130_000 });
    await waitUntil(
      async () => {
        const now = (await pods('app=web')).filter((p) => p.metadata?.deletionTimestamp === undefined);
        return (now.length === 3 && now.every((p) => p.metadata?.labels?.['pod-template-hash'] === firstRs)) || false;
      },
      { timeoutMs: 60_000, what: 'back on the first ReplicaSet' },
    );

    await k.ok(['scale', 'deploy/web', '-n', NS, '--replicas=0']);
    await waitUntil(async () => (await pods('app=web')).length === 0 || false, { timeoutMs: 60_000, what: 'no pods at 0 replicas' });
    await k.ok(['scale', 'deploy/web', '-n', NS, '--replicas=3']);
    await k.ok(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout=120s'], { timeoutMs: 130_000 });

    await k.ok(['delete', 'deploy/web', '-n', NS]);
    await waitUntil(async () => ((await pods('app=web')).length === 0 && (await k.ok(['get', 'rs', '-n', NS, '-o', 'name'])).trim() === '') || false, {
      timeoutMs: 60_000,
      what: 'ReplicaSets and pods garbage-collected',
    });
  });

  it('reports FailedScheduling for a pod that fits nowhere and schedules it when a fitting node joins', async () => {
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: needs-ssd, namespace: ${NS}}
spec:
  nodeSelector: {disk: ssd}
  containers: [{name: c, image: "busybox:1"}]
`;
    await k.ok(['apply', '-f', '-'], { input: pod });
    await waitUntil(async () => (await k.ok(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=needs-ssd,reason=FailedScheduling', '-o', 'name'])).trim() !== '' || false, {
      timeoutMs: 30_000,
      what: 'a FailedScheduling event',
    });
    const pending = (await k.json(['get', 'pod', 'needs-ssd', '-n', NS])) as V1Pod;
    assert.equal(pending.status?.phase, 'Pending');
    assert.equal(pending.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'False');
    fleets.push(await startHollowNodes(cc.kubeconfigPath, { names: ['cp-ssd'], labels: { disk: 'ssd' }, signal: abort.signal }));
    await waitUntil(async () => ((await k.json(['get', 'pod', 'needs-ssd', '-n', NS])) as V1Pod).spec?.nodeName === 'cp-ssd' || false, { timeoutMs: 60_000, what: 'bound to the new node' });
  });

  it('keeps the pods of an offline edge node bound, with the same UIDs, and marks the node', async () => {
    const edge = fleets[1];
    assert.ok(edge !== undefined);
    const client = edge.client;
    const created = await client.create(RESOURCES.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'edge-app', namespace: NS },
      spec: { nodeName: 'cp-edge', containers: [{ name: 'c', image: 'busybox:1' }] },
    });
    await waitUntil(async () => (await client.get(RESOURCES.pods, NS, 'edge-app')).status?.phase === 'Running' || false, { timeoutMs: 30_000, what: 'edge pod Running' });
    edge.pauseLease('cp-edge');
    const node = await waitUntil(
      async () => {
        const n: V1Node = await client.get(RESOURCES.nodes, undefined, 'cp-edge');
        const unknown = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown';
        const tainted = (n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
        return (unknown && tainted && n) || false;
      },
      { timeoutMs: 60_000, what: 'edge node Ready=Unknown with the unreachable taint' },
    );
    assert.ok(node.metadata?.name === 'cp-edge');
    // a while after the taint: nothing evicts the edge pod (the eviction timing itself is covered by test/integration/node-lifecycle.test.ts)
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const still = await client.get(RESOURCES.pods, NS, 'edge-app');
    assert.equal(still.metadata?.uid, created.metadata?.uid);
    assert.equal(still.metadata?.deletionTimestamp, undefined);
    await edge.resumeLease('cp-edge');
    await waitUntil(
      async () => {
        const n: V1Node = await client.get(RESOURCES.nodes, undefined, 'cp-edge');
        return (n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable')) || false;
      },
      { timeoutMs: 60_000, what: 'edge node Ready again, taints gone' },
    );
    assert.equal((await client.get(RESOURCES.pods, NS, 'edge-app')).metadata?.uid, created.metadata?.uid, 'the same pod, never recreated');
  });
});
