/**
 * Issue 3, acceptance 3: the DaemonSet and Job controllers against the real embedded API server
 * (cloudcore), with hollow nodes as kubelets: two cloud nodes and an edge node (label
 * node-role.kubernetes.io/edge, taint node-role.kubernetes.io/edge:NoSchedule), and a second edge
 * node that joins later. cloudcore runs without its embedded controllers (the test runs the two
 * under test itself), so there is no scheduler either: DaemonSet pods carry spec.nodeName from their
 * controller; Job pods are bound by a tiny test-only binder (round-robin over the cloud nodes), a
 * simulated peer as the hollow nodes are. DEBUG_CONTROLLERS=1 prints the controllers' logs.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  isConflict,
  isNotFound,
  KubeClient,
  RESOURCES,
  type V1DaemonSet,
  type V1Job,
  type V1Pod,
  type V1PodTemplateSpec,
} from '../../src/kube/client/index.js';
import { batchControllers } from '../../src/kube/controllers/batch/index.js';
import { daemonSetControllers } from '../../src/kube/controllers/daemonset/index.js';
import { ControllerManager } from '../../src/kube/controllers/manager.js';
import { createLogger, silentLogger } from '../../src/platform/log/index.js';
import { kubectlSession, OUTCOME_ANNOTATION, RUN_MS_ANNOTATION, startCloudcore, startHollowNodes, waitUntil, type CloudcoreHandle, type HollowNodes } from '../harness/index.js';

const EDGE_TAINT = { key: 'node-role.kubernetes.io/edge', effect: 'NoSchedule' };
const NS = 'workloads';

function template(labels: Record<string, string>, extra: Partial<NonNullable<V1PodTemplateSpec['spec']>> = {}, annotations: Record<string, string> = {}): V1PodTemplateSpec {
  return {
    metadata: { labels, annotations },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }], ...extra },
  };
}

function daemonSet(name: string, tolerateEdge: boolean): V1DaemonSet {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: labels },
      template: template(labels, tolerateEdge ? { tolerations: [{ key: EDGE_TAINT.key, operator: 'Exists', effect: 'NoSchedule' }] } : {}),
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    },
  };
}

function job(name: string, spec: { completions: number; parallelism: number; backoffLimit: number; outcome: 'Succeeded' | 'Failed' }): V1Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: {
      completions: spec.completions,
      parallelism: spec.parallelism,
      backoffLimit: spec.backoffLimit,
      template: template({ app: name }, { restartPolicy: 'Never' }, { [OUTCOME_ANNOTATION]: spec.outcome, [RUN_MS_ANNOTATION]: '300' }),
    },
  };
}

const ownedBy = (p: V1Pod, uid: string): boolean => (p.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);
const isLive = (p: V1Pod): boolean => p.metadata?.deletionTimestamp === undefined;
const isActive = (p: V1Pod): boolean => isLive(p) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

describe('DaemonSet and Job controllers (embedded control plane, hollow nodes)', { timeout: 240_000 }, () => {
  let cc: CloudcoreHandle;
  let manager: ControllerManager;
  let client: KubeClient;
  let cloud: HollowNodes;
  let edge: HollowNodes;
  let lateEdge: HollowNodes | undefined;
  const suffix = randomBytes(3).toString('hex');
  const cloudNames = [`cloud-${suffix}-0`, `cloud-${suffix}-1`];
  const edgeName = `edge-${suffix}-0`;
  const lateEdgeName = `edge-${suffix}-1`;
  const binder = new AbortController();

  const podsOf = (uid: string): V1Pod[] => cloud.pods.list().filter((p) => ownedBy(p, uid));

  before(async () => {
    // this test runs its own DaemonSet and Job controllers (with a short pod failure backoff), so
    // cloudcore must not run its embedded ones too: two controllers on one object over-create
    cc = await startCloudcore({ controllers: false });
    client = await KubeClient.fromKubeconfig(cc.kubeconfigPath, { fieldManager: 'daemonset-job-test' });
    await client.create(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    cloud = await startHollowNodes(cc.kubeconfigPath, { names: cloudNames });
    edge = await startHollowNodes(cc.kubeconfigPath, { names: [edgeName], edge: true, taints: [EDGE_TAINT] });
    manager = new ControllerManager({
      kubeconfigPath: cc.kubeconfigPath,
      controllers: [...daemonSetControllers(), ...batchControllers({ podFailureBackoffMs: 100, maxPodFailureBackoffMs: 400 })],
      log: process.env['DEBUG_CONTROLLERS'] === '1' ? createLogger({ level: 'debug' }) : silentLogger(),
    });
    await manager.start();
    // the test-only binder: pending pods of the namespace go round-robin to the cloud nodes
    let next = 0;
    const bound = new Set<string>();
    const bind = (p: V1Pod): void => {
      const uid = p.metadata?.uid ?? '';
      if (p.metadata?.namespace !== NS || p.spec?.nodeName !== undefined || !isLive(p) || bound.has(uid) || binder.signal.aborted) return;
      bound.add(uid);
      const node = cloudNames[next++ % cloudNames.length] ?? '';
      client.bindPod(NS, p.metadata.name ?? '', node, { uid, signal: binder.signal }).catch((err: unknown) => {
        if (isConflict(err) || isNotFound(err) || binder.signal.aborted) return;
        // try again (a slow machine can time a request out): the pod may see no other event
        bound.delete(uid);
        setTimeout(() => {
          const cur = cloud.pods.get(NS, p.metadata?.name ?? '');
          if (cur !== undefined) bind(cur);
        }, 200);
      });
    };
    cloud.pods.onAdd(bind);
    cloud.pods.onUpdate((_o, p) => bind(p));
  });

  after(async () => {
    binder.abort();
    manager?.stop();
    await lateEdge?.stop();
    await edge?.stop();
    await cloud?.stop();
    client?.close();
    await cc?.dispose();
  });

  test('a DaemonSet tolerating the edge taint runs one pod on every node, edge included, and on an edge node that joins later', async () => {
    const ds = await client.create(RESOURCES.daemonsets, daemonSet('agent', true));
    const uid = ds.metadata?.uid ?? '';
    const nodesWithPods = (): string[] =>
      podsOf(uid)
        .filter(isLive)
        .map((p) => p.spec?.nodeName ?? '')
        .sort();
    await waitUntil(() => nodesWithPods().length === 3, { timeoutMs: 30_000, what: 'three daemon pods' });
    assert.deepEqual(nodesWithPods(), [...cloudNames, edgeName].sort());

    const pod = podsOf(uid)[0];
    assert.ok(pod !== undefined);
    assert.equal(pod.metadata?.generateName, 'agent-');
    assert.equal(pod.metadata?.labels?.['app'], 'agent');
    assert.ok((pod.metadata?.labels?.['controller-revision-hash'] ?? '') !== '');
    assert.equal(pod.metadata?.labels?.['pod-template-generation'], '1');
    assert.deepEqual(
      pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields,
      [{ key: 'metadata.name', operator: 'In', values: [pod.spec?.nodeName ?? ''] }],
    );
    assert.ok((pod.spec?.tolerations ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'));
    const hash = pod.metadata?.labels?.['controller-revision-hash'] ?? '';
    const rev = await client.get(RESOURCES.controllerrevisions, NS, `agent-${hash}`);
    assert.equal(rev.revision, 1);

    const ready = await waitUntil(
      async () => {
        const cur = await client.get(RESOURCES.daemonsets, NS, 'agent');
        const s = cur.status;
        return s?.desiredNumberScheduled === 3 && s.currentNumberScheduled === 3 && s.numberReady === 3 && s.updatedNumberScheduled === 3 && s.observedGeneration === 1 ? s : undefined;
      },
      { timeoutMs: 30_000, what: 'DaemonSet status 3/3 ready' },
    );
    assert.equal(ready.numberMisscheduled, 0);
    const events = await client.list(RESOURCES.events, { namespace: NS });
    assert.ok(events.items.some((e) => e.involvedObject.name === 'agent' && e.reason === 'SuccessfulCreate'));

    lateEdge = await startHollowNodes(cc.kubeconfigPath, { names: [lateEdgeName], edge: true, taints: [EDGE_TAINT] });
    await waitUntil(() => nodesWithPods().includes(lateEdgeName), { timeoutMs: 30_000, what: 'a daemon pod on the late edge node' });
    assert.deepEqual(nodesWithPods(), [...cloudNames, edgeName, lateEdgeName].sort());
    await waitUntil(async () => (await client.get(RESOURCES.daemonsets, NS, 'agent')).status?.desiredNumberScheduled === 4, { timeoutMs: 15_000, what: 'desired 4' });
  });

  test('a DaemonSet without the edge toleration skips the edge nodes', async () => {
    const ds = await client.create(RESOURCES.daemonsets, daemonSet('cloud-only', false));
    const uid = ds.metadata?.uid ?? '';
    const s = await waitUntil(
      async () => {
        const cur = await client.get(RESOURCES.daemonsets, NS, 'cloud-only');
        return cur.status?.observedGeneration === 1 && cur.status.currentNumberScheduled === 2 ? cur.status : undefined;
      },
      { timeoutMs: 30_000, what: 'cloud-only scheduled on 2 nodes' },
    );
    assert.equal(s.desiredNumberScheduled, 2);
    assert.equal(s.numberMisscheduled, 0);
    const nodes = podsOf(uid)
      .filter(isLive)
      .map((p) => p.spec?.nodeName ?? '')
      .sort();
    assert.deepEqual(nodes, [...cloudNames].sort());
  });

  test('pods orphaned by `delete --cascade=orphan` are adopted by the re-created DaemonSet, not replaced', async () => {
    const first = await client.create(RESOURCES.daemonsets, daemonSet('adopter', false));
    const firstUid = first.metadata?.uid ?? '';
    await waitUntil(() => podsOf(firstUid).filter(isLive).length === 2, { timeoutMs: 20_000, what: 'two adopter pods' });
    const before = podsOf(firstUid)
      .map((p) => p.metadata?.uid ?? '')
      .sort();
    await client.delete(RESOURCES.daemonsets, NS, 'adopter', { propagationPolicy: 'Orphan' });
    await waitUntil(
      () => {
        const mine = cloud.pods.list().filter((p) => before.includes(p.metadata?.uid ?? ''));
        return mine.length === 2 && mine.every((p) => (p.metadata?.ownerReferences ?? []).length === 0);
      },
      { timeoutMs: 20_000, what: 'the pods orphaned' },
    );
    const again = await client.create(RESOURCES.daemonsets, daemonSet('adopter', false));
    const uid = again.metadata?.uid ?? '';
    await waitUntil(() => podsOf(uid).length === 2, { timeoutMs: 20_000, what: 'the orphans adopted' });
    // give the controller a moment to (wrongly) replace or add pods
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      podsOf(uid)
        .filter(isLive)
        .map((p) => p.metadata?.uid ?? '')
        .sort(),
      before,
    );
    const hash = podsOf(uid)[0]?.metadata?.labels?.['controller-revision-hash'] ?? '';
    await waitUntil(
      async () => {
        const rev = await client.get(RESOURCES.controllerrevisions, NS, `adopter-${hash}`);
        return (rev.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);
      },
      { timeoutMs: 10_000, what: 'the orphaned ControllerRevision adopted' },
    );
  });

  test('a template change rolls the DaemonSet pods over to the new revision', async () => {
    const cur = await client.get(RESOURCES.daemonsets, NS, 'agent');
    const uid = cur.metadata?.uid ?? '';
    const oldHash = podsOf(uid)[0]?.metadata?.labels?.['controller-revision-hash'];
    // maxUnavailable=1: at any moment at most one of the 4 nodes is without a ready, live pod
    let maxUnavailable = 0;
    const observe = (): void => {
      const readyNodes = new Set(
        podsOf(uid)
          .filter((p) => isLive(p) && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
          .map((p) => p.spec?.nodeName),
      );
      maxUnavailable = Math.max(maxUnavailable, 4 - readyNodes.size);
    };
    const offs = [cloud.pods.onAdd(observe), cloud.pods.onUpdate(observe), cloud.pods.onDelete(observe)];
    await client.patch(RESOURCES.daemonsets, NS, 'agent', { spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox:1.37', command: ['sleep', '3600'] }] } } } }, { type: 'strategic' });
    const s = await waitUntil(
      async () => {
        const d = await client.get(RESOURCES.daemonsets, NS, 'agent');
        const st = d.status;
        return st?.observedGeneration === 2 && st.updatedNumberScheduled === 4 && st.numberReady === 4 ? st : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'rolling update to finish' },
    );
    assert.equal(s.desiredNumberScheduled, 4);
    const live = podsOf(uid).filter(isLive);
    assert.equal(live.length, 4);
    for (const p of live) {
      assert.notEqual(p.metadata?.labels?.['controller-revision-hash'], oldHash);
      assert.equal(p.spec?.containers[0]?.image, 'busybox:1.37');
    }
    for (const off of offs) off();
    assert.equal(maxUnavailable, 1, 'pods were replaced one node at a time');
    const revs = await client.list(RESOURCES.controllerrevisions, { namespace: NS });
    const agentRevs = revs.items.filter((r) => r.metadata?.name?.startsWith('agent-') === true);
    assert.equal(agentRevs.length, 2);
    assert.equal(agentRevs.find((r) => r.metadata?.name === `agent-${live[0]?.metadata?.labels?.['controller-revision-hash'] ?? ''}`)?.revision, 2);
    const events = await client.list(RESOURCES.events, { namespace: NS });
    assert.ok(events.items.some((e) => e.involvedObject.name === 'agent' && e.reason === 'SuccessfulDelete'));
  });

  test('kubectl rollout status, history and undo work on the DaemonSet', async () => {
    const k = await kubectlSession({ kubeconfig: cc.kubeconfigPath });
    await k.ok(['rollout', 'status', 'daemonset/agent', '-n', NS, '--timeout=60s'], { timeoutMs: 70_000 });
    const history = await k.ok(['rollout', 'history', 'daemonset/agent', '-n', NS]);
    assert.match(history, /^1\s/m);
    assert.match(history, /^2\s/m);
    await k.ok(['rollout', 'undo', 'daemonset/agent', '-n', NS]);
    await k.ok(['rollout', 'status', 'daemonset/agent', '-n', NS, '--timeout=60s'], { timeoutMs: 70_000 });
    const cur = await client.get(RESOURCES.daemonsets, NS, 'agent');
    const uid = cur.metadata?.uid ?? '';
    await waitUntil(
      () => {
        const live = podsOf(uid).filter(isLive);
        return live.length === 4 && live.every((p) => p.spec?.containers[0]?.image === 'busybox:1.36');
      },
      { timeoutMs: 30_000, what: 'pods back on busybox:1.36' },
    );
    const revs = (await client.list(RESOURCES.controllerrevisions, { namespace: NS })).items.filter((r) => r.metadata?.name?.startsWith('agent-') === true);
    assert.deepEqual(revs.map((r) => r.revision).sort(), [2, 3], 'the old revision came back as revision 3');
  });

  test('a node that stops matching the nodeSelector loses its daemon pod; one that starts matching gets one', async () => {
    const base = daemonSet('selected', false);
    const ds = await client.create(RESOURCES.daemonsets, { ...base, spec: { ...base.spec!, template: { ...base.spec!.template, spec: { ...base.spec!.template.spec!, nodeSelector: { tier: 'gold' } } } } });
    const uid = ds.metadata?.uid ?? '';
    const [first = '', second = ''] = cloudNames;
    const where = (): string[] =>
      podsOf(uid)
        .filter(isLive)
        .map((p) => p.spec?.nodeName ?? '')
        .sort();
    const label = (name: string, value: string | null): Promise<unknown> => client.patch(RESOURCES.nodes, undefined, name, { metadata: { labels: { tier: value } } }, { type: 'merge' });
    await label(first, 'gold');
    await waitUntil(() => where().join() === first, { timeoutMs: 20_000, what: `a pod on ${first} only` });
    await label(second, 'gold');
    await label(first, null);
    await waitUntil(() => where().join() === second, { timeoutMs: 20_000, what: `the pod moved to ${second}` });
    await label(second, null);
    await waitUntil(() => where().length === 0, { timeoutMs: 20_000, what: 'no pods left' });
  });

  test('a Job with completions=3 and parallelism=2 completes, never running more than 2 pods at once', async () => {
    let maxActive = 0;
    let peak: string[] = [];
    let jobUid = '';
    const observe = (): void => {
      if (jobUid === '') return;
      const active = podsOf(jobUid).filter(isActive);
      if (active.length > maxActive) {
        maxActive = active.length;
        peak = active.map((p) => `${p.metadata?.name ?? ''}@${p.metadata?.creationTimestamp ?? ''}/${p.status?.phase ?? ''}/rv${p.metadata?.resourceVersion ?? ''}`);
      }
    };
    const offAdd = cloud.pods.onAdd(observe);
    const offUpdate = cloud.pods.onUpdate(observe);
    try {
      const created = await client.create(RESOURCES.jobs, job('three', { completions: 3, parallelism: 2, backoffLimit: 2, outcome: 'Succeeded' }));
      jobUid = created.metadata?.uid ?? '';
      const done = await waitUntil(
        async () => {
          const j = await client.get(RESOURCES.jobs, NS, 'three');
          return (j.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, what: 'Job three to complete' },
      );
      observe();
      assert.equal(done.status?.succeeded, 3);
      assert.equal(done.status?.active ?? 0, 0);
      assert.ok(done.status?.startTime !== undefined && done.status.completionTime !== undefined);
      assert.ok((done.status?.conditions ?? []).some((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True'));
      assert.deepEqual(done.spec?.selector?.matchLabels, { 'batch.kubernetes.io/controller-uid': jobUid });
      assert.equal(done.spec?.template.metadata?.labels?.['batch.kubernetes.io/job-name'], 'three');
      const pods = podsOf(jobUid);
      assert.equal(pods.filter((p) => p.status?.phase === 'Succeeded').length, 3);
      assert.ok(maxActive >= 1 && maxActive <= 2, `at most 2 active pods at once, saw ${maxActive}: ${peak.join(', ')}; all: ${podsOf(jobUid)
        .map((p) => `${p.metadata?.name ?? ''}/${p.status?.phase ?? ''}`)
        .join(', ')}`);
      await waitUntil(
        async () => {
          const events = await client.list(RESOURCES.events, { namespace: NS });
          const reasons = new Set(events.items.filter((e) => e.involvedObject.name === 'three').map((e) => e.reason));
          return reasons.has('SuccessfulCreate') && reasons.has('Completed');
        },
        { timeoutMs: 10_000, what: 'SuccessfulCreate and Completed events' },
      );
    } finally {
      offAdd();
      offUpdate();
    }
  });

  test('ttlSecondsAfterFinished deletes a finished Job and the garbage collector its pods', async () => {
    const base = job('short-lived', { completions: 1, parallelism: 1, backoffLimit: 0, outcome: 'Succeeded' });
    const created = await client.create(RESOURCES.jobs, { ...base, spec: { ...base.spec!, ttlSecondsAfterFinished: 1 } });
    const uid = created.metadata?.uid ?? '';
    // the pod may succeed and be collected between two looks at the cache (the TTL is 1 s), so the
    // Job's completion is read from its Completed event, which outlives the Job
    await waitUntil(
      async () => {
        try {
          await client.get(RESOURCES.jobs, NS, 'short-lived');
          return false;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the Job to be deleted after its TTL' },
    );
    await waitUntil(
      async () => (await client.list(RESOURCES.events, { namespace: NS })).items.some((e) => e.involvedObject?.uid === uid && e.reason === 'Completed'),
      { timeoutMs: 10_000, what: 'the Completed event of the deleted Job' },
    );
    await waitUntil(() => podsOf(uid).length === 0, { timeoutMs: 30_000, what: 'its pods to be collected' });
  });

  test('activeDeadlineSeconds fails a Job that runs too long and deletes its pods; a suspended Job starts nothing until resumed', async () => {
    const slow = job('slow', { completions: 2, parallelism: 2, backoffLimit: 2, outcome: 'Succeeded' });
    const slowSpec = slow.spec!;
    slowSpec.template.metadata = { labels: { app: 'slow' } }; // no outcome: the pods run forever
    const created = await client.create(RESOURCES.jobs, { ...slow, spec: { ...slowSpec, activeDeadlineSeconds: 2 } });
    const uid = created.metadata?.uid ?? '';
    await waitUntil(() => podsOf(uid).filter(isActive).length === 2, { timeoutMs: 20_000, what: 'two running pods' });
    const failed = await waitUntil(
      async () => {
        const j = await client.get(RESOURCES.jobs, NS, 'slow');
        return (j.status?.conditions ?? []).find((c) => c.type === 'Failed' && c.status === 'True');
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'DeadlineExceeded' },
    );
    assert.equal(failed.reason, 'DeadlineExceeded');
    await waitUntil(() => podsOf(uid).filter(isActive).length === 0, { timeoutMs: 20_000, what: 'its pods deleted' });

    const paused = job('paused', { completions: 1, parallelism: 1, backoffLimit: 0, outcome: 'Succeeded' });
    const p = await client.create(RESOURCES.jobs, { ...paused, spec: { ...paused.spec!, suspend: true } });
    const pUid = p.metadata?.uid ?? '';
    await waitUntil(
      async () => ((await client.get(RESOURCES.jobs, NS, 'paused')).status?.conditions ?? []).some((c) => c.type === 'Suspended' && c.status === 'True'),
      { timeoutMs: 20_000, what: 'Suspended condition' },
    );
    assert.equal(podsOf(pUid).length, 0);
    await client.patch(RESOURCES.jobs, NS, 'paused', { spec: { suspend: false } }, { type: 'merge' });
    await waitUntil(
      async () => ((await client.get(RESOURCES.jobs, NS, 'paused')).status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True'),
      { timeoutMs: 30_000, what: 'the resumed Job to complete' },
    );
  });

  test('a failing Job stops with BackoffLimitExceeded after backoffLimit+1 failed pods', async () => {
    const created = await client.create(RESOURCES.jobs, job('fails', { completions: 1, parallelism: 1, backoffLimit: 2, outcome: 'Failed' }));
    const uid = created.metadata?.uid ?? '';
    const failed = await waitUntil(
      async () => {
        const j = await client.get(RESOURCES.jobs, NS, 'fails');
        return (j.status?.conditions ?? []).some((c) => c.type === 'Failed' && c.status === 'True') ? j : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'Job fails to fail' },
    );
    const cond = (failed.status?.conditions ?? []).find((c) => c.type === 'Failed');
    assert.equal(cond?.reason, 'BackoffLimitExceeded');
    assert.equal(failed.status?.failed, 3);
    assert.equal(failed.status?.succeeded ?? 0, 0);
    // nothing more is started once the Job has failed
    await new Promise((r) => setTimeout(r, 1000));
    const pods = podsOf(uid);
    assert.equal(pods.length, 3, 'backoffLimit + 1 pods');
    assert.equal(pods.filter((p) => p.status?.phase === 'Failed').length, 3);
    await waitUntil(
      async () => (await client.list(RESOURCES.events, { namespace: NS })).items.some((e) => e.involvedObject.name === 'fails' && e.reason === 'BackoffLimitExceeded'),
      { timeoutMs: 10_000, what: 'BackoffLimitExceeded event' },
    );
  });
});

describe('DaemonSet and Job in the embedded control plane (cloudcore with its own controllers and scheduler)', { timeout: 120_000 }, () => {
  let cc: CloudcoreHandle;
  let client: KubeClient;
  let nodes: HollowNodes;
  let edgeNodes: HollowNodes;
  const suffix = randomBytes(3).toString('hex');

  before(async () => {
    cc = await startCloudcore({ controllers: true });
    client = await KubeClient.fromKubeconfig(cc.kubeconfigPath, { fieldManager: 'daemonset-job-test' });
    await client.create(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    nodes = await startHollowNodes(cc.kubeconfigPath, { names: [`emb-${suffix}-0`] });
    edgeNodes = await startHollowNodes(cc.kubeconfigPath, { names: [`emb-edge-${suffix}-0`], edge: true, taints: [EDGE_TAINT] });
  });

  after(async () => {
    await edgeNodes?.stop();
    await nodes?.stop();
    client?.close();
    await cc?.dispose();
  });

  test('an edge-tolerating DaemonSet covers both nodes and a Job completes on the scheduled cloud node', async () => {
    const ds = await client.create(RESOURCES.daemonsets, daemonSet('emb-agent', true));
    const dsUid = ds.metadata?.uid ?? '';
    let last: unknown;
    await waitUntil(
      async () => {
        const s = (await client.get(RESOURCES.daemonsets, NS, 'emb-agent')).status;
        last = s;
        return s?.desiredNumberScheduled === 2 && s.numberReady === 2;
      },
      { timeoutMs: 30_000, what: 'emb-agent ready on 2 nodes' },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last status ${JSON.stringify(last)}; cloudcore: ${cc.logs({ tail: 20 })}`);
    });
    const dsPods = (await client.list(RESOURCES.pods, { namespace: NS })).items.filter((p) => ownedBy(p, dsUid) && isLive(p));
    assert.deepEqual(dsPods.map((p) => p.spec?.nodeName ?? '').sort(), [...nodes.names, ...edgeNodes.names].sort());

    const created = await client.create(RESOURCES.jobs, job('emb-job', { completions: 2, parallelism: 1, backoffLimit: 1, outcome: 'Succeeded' }));
    const done = await waitUntil(
      async () => {
        const j = await client.get(RESOURCES.jobs, NS, 'emb-job');
        return (j.status?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'emb-job to complete' },
    );
    assert.equal(done.status?.succeeded, 2);
    const jobPods = (await client.list(RESOURCES.pods, { namespace: NS })).items.filter((p) => ownedBy(p, created.metadata?.uid ?? ''));
    assert.equal(jobPods.length, 2);
    // the Job does not tolerate the edge taint: the scheduler kept it on the cloud node
    for (const p of jobPods) assert.equal(p.spec?.nodeName, nodes.names[0]);
  });
});
