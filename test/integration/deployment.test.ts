/**
 * Issue 3, acceptance 1 and 5 (Deployments): the Deployment and ReplicaSet controllers in-process
 * against the real embedded API server (cloudcore), three hollow nodes as kubelets, and the REAL
 * kubectl: apply, `rollout status`, `set image` with maxUnavailable=0, `rollout undo`, `scale` to 0
 * and back, pause/resume, Recreate, a missed progress deadline, and garbage collection on delete.
 * There is no scheduler here: a tiny test-only binder (round-robin over the hollow nodes, skipping
 * pods with a nodeSelector) is a simulated peer, as the hollow nodes are.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { isConflict, isNotFound, KubeClient, RESOURCES, type V1Deployment, type V1Event, type V1Pod, type V1ReplicaSet } from '../../src/kube/client/index.js';
import { ControllerManager } from '../../src/kube/controllers/manager.js';
import { workloadControllers } from '../../src/kube/controllers/workloads/index.js';
import { silentLogger } from '../../src/platform/log/index.js';
import { kubectlSession, startCloudcore, startHollowNodes, waitUntil, type CloudcoreHandle, type HollowNodes, type KubectlSession } from '../harness/index.js';

const NS = 'deploy-test';

function deployment(name: string, image: string, extra: { replicas?: number; strategy?: unknown; spec?: Record<string, unknown>; podSpec?: Record<string, unknown> } = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      replicas: extra.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      strategy: extra.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      ...extra.spec,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image, ports: [{ containerPort: 80 }] }], ...extra.podSpec },
      },
    },
  });
}

const isLive = (p: V1Pod): boolean => p.metadata?.deletionTimestamp === undefined;
const ownedBy = (o: { metadata?: { ownerReferences?: { uid: string; controller?: boolean }[] } }, uid: string): boolean =>
  (o.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid);

describe('Deployment and ReplicaSet controllers with the real kubectl', { timeout: 300_000 }, () => {
  let cc: CloudcoreHandle;
  let client: KubeClient;
  let nodes: HollowNodes;
  let manager: ControllerManager;
  let k: KubectlSession;
  const suffix = randomBytes(3).toString('hex');
  const nodeNames = [0, 1, 2].map((i) => `deploy-${suffix}-${i}`);
  const binder = new AbortController();

  const rsOf = async (d: string): Promise<V1ReplicaSet[]> => (await client.list(RESOURCES.replicasets, { namespace: NS, labelSelector: `app=${d}` })).items;
  const podsOf = async (d: string): Promise<V1Pod[]> => (await client.list(RESOURCES.pods, { namespace: NS, labelSelector: `app=${d}` })).items;
  const getDeploy = (name: string): Promise<V1Deployment> => client.get(RESOURCES.deployments, NS, name);
  const rolloutStatus = (name: string): Promise<string> => k.ok(['-n', NS, 'rollout', 'status', `deploy/${name}`, '--timeout=120s'], { timeoutMs: 130_000 });
  /** The RS whose template the deployment runs now (the one with the highest revision). */
  const currentRs = async (d: string): Promise<V1ReplicaSet> => {
    const all = await rsOf(d);
    const rev = (rs: V1ReplicaSet): number => Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? '0');
    const top = all.sort((a, b) => rev(b) - rev(a))[0];
    assert.ok(top !== undefined, `no ReplicaSet of ${d}`);
    return top;
  };

  /** Events are recorded asynchronously (fire-and-forget), so they are waited for. */
  const eventually = (pred: (e: V1Event) => boolean, what: string): Promise<V1Event> =>
    waitUntil(async () => (await client.list(RESOURCES.events, { namespace: NS })).items.find(pred) ?? false, { timeoutMs: 10_000, what });

  before(async () => {
    cc = await startCloudcore();
    client = await KubeClient.fromKubeconfig(cc.kubeconfigPath, { fieldManager: 'deployment-test' });
    await client.create(RESOURCES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    nodes = await startHollowNodes(cc.kubeconfigPath, { names: nodeNames });
    manager = new ControllerManager({ kubeconfigPath: cc.kubeconfigPath, controllers: workloadControllers(), log: silentLogger() });
    await manager.start();
    k = await kubectlSession({ kubeconfig: cc.kubeconfigPath });
    // the test-only binder: pending pods of the namespace go round-robin to the hollow nodes
    let next = 0;
    const bound = new Set<string>();
    const bind = (p: V1Pod): void => {
      const uid = p.metadata?.uid ?? '';
      if (p.metadata?.namespace !== NS || p.spec?.nodeName !== undefined || !isLive(p) || bound.has(uid) || binder.signal.aborted) return;
      if (Object.keys(p.spec?.nodeSelector ?? {}).length > 0) return; // "fits nowhere"
      bound.add(uid);
      const node = nodeNames[next++ % nodeNames.length] ?? '';
      client.bindPod(NS, p.metadata.name ?? '', node, { uid, signal: binder.signal }).catch((err: unknown) => {
        if (!isConflict(err) && !isNotFound(err)) bound.delete(uid);
      });
    };
    nodes.pods.onAdd(bind);
    nodes.pods.onUpdate((_o, p) => bind(p));
  });

  after(async () => {
    binder.abort();
    manager?.stop();
    await nodes?.stop();
    client?.close();
    await cc?.dispose();
  });

  let firstRs = '';

  test('apply a 3-replica Deployment: rollout status completes and the pods spread over the three nodes', async () => {
    await k.ok(['apply', '-f', '-'], { input: deployment('web', 'nginx:1.26') });
    const out = await rolloutStatus('web');
    assert.match(out, /successfully rolled out/);
    const d = await getDeploy('web');
    assert.equal(d.status?.replicas, 3);
    assert.equal(d.status?.updatedReplicas, 3);
    assert.equal(d.status?.availableReplicas, 3);
    assert.equal(d.status?.observedGeneration, d.metadata?.generation);
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(progressing?.reason, 'NewReplicaSetAvailable');
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.reason, 'MinimumReplicasAvailable');

    const rss = await rsOf('web');
    assert.equal(rss.length, 1);
    const rs = rss[0];
    assert.ok(rs !== undefined);
    const hash = rs.metadata?.labels?.['pod-template-hash'] ?? '';
    assert.match(hash, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.equal(rs.metadata?.name, `web-${hash}`);
    assert.equal(rs.spec?.selector.matchLabels?.['pod-template-hash'], hash);
    assert.deepEqual(
      ['revision', 'desired-replicas', 'max-replicas'].map((a) => rs.metadata?.annotations?.[`deployment.kubernetes.io/${a}`]),
      ['1', '3', '4'],
    );
    assert.ok(ownedBy(rs, d.metadata?.uid ?? ''));
    firstRs = rs.metadata?.name ?? '';

    const pods = (await podsOf('web')).filter(isLive);
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.ok(p.metadata?.name?.startsWith(`${firstRs}-`), p.metadata?.name);
      assert.equal(p.metadata?.labels?.['pod-template-hash'], hash);
      const ref = p.metadata?.ownerReferences?.[0];
      assert.deepEqual([ref?.kind, ref?.name, ref?.controller, ref?.blockOwnerDeletion], ['ReplicaSet', firstRs, true, true]);
    }
    assert.deepEqual(pods.map((p) => p.spec?.nodeName).sort(), [...nodeNames].sort());

    await eventually((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled up replica set ${firstRs} to 3 from 0`, 'the ScalingReplicaSet event');
    // kubectl describe finds the new ReplicaSet itself (controller reference + template equality)
    const described = await k.ok(['-n', NS, 'describe', 'deploy/web']);
    assert.match(described, new RegExp(`NewReplicaSet:\\s+${firstRs} \\(3/3 replicas created\\)`));
    await eventually((e) => e.reason === 'SuccessfulCreate' && e.involvedObject.name === firstRs && /^Created pod: web-/.test(e.message ?? ''), 'a SuccessfulCreate event');
  });

  test('kubectl set image rolls with maxUnavailable=0: availability never drops below 3', async () => {
    const before = await getDeploy('web');
    const samples: { available: number; gen: number; observed: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const d = await getDeploy('web');
        samples.push({ available: d.status?.availableReplicas ?? 0, gen: d.metadata?.generation ?? 0, observed: d.status?.observedGeneration ?? 0 });
        const live = (await podsOf('web')).filter((p) => isLive(p) && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
        samples.push({ available: live.length, gen: 0, observed: 0 });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await k.ok(['-n', NS, 'set', 'image', 'deploy/web', 'main=nginx:1.27']);
    try {
      assert.match(await rolloutStatus('web'), /successfully rolled out/);
    } finally {
      polling = false;
      await poller;
    }
    const low = samples.filter((s) => s.available < 3);
    assert.deepEqual(low, [], `availability dropped below 3 in ${low.length} of ${samples.length} samples`);
    const d = await getDeploy('web');
    assert.ok((d.metadata?.generation ?? 0) > (before.metadata?.generation ?? 0));
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    const rss = await rsOf('web');
    assert.equal(rss.length, 2);
    const old = rss.find((r) => r.metadata?.name === firstRs);
    assert.equal(old?.spec?.replicas, 0);
    const cur = await currentRs('web');
    assert.notEqual(cur.metadata?.name, firstRs);
    assert.equal(cur.spec?.replicas, 3);
    const pods = (await podsOf('web')).filter(isLive);
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.spec?.containers[0]?.image === 'nginx:1.27'));
  });

  test('kubectl rollout undo returns to the first ReplicaSet', async () => {
    // kubectl 1.32 rolls back client-side: a JSON patch replacing spec.template with the old RS's
    // template (hash label removed) and metadata.annotations; the controller must reuse that RS
    const undo = await k.run(['-n', NS, 'rollout', 'undo', 'deploy/web', '-v=8']);
    assert.equal(undo.code, 0, undo.stderr.slice(-2000));
    assert.match(undo.stderr, /PATCH https:\/\/\S+\/deployments\/web/);
    assert.match(undo.stderr, /application\/json-patch\+json/);
    assert.match(undo.stderr, /\\"path\\":\\"\/spec\/template\\"/);
    assert.match(await rolloutStatus('web'), /successfully rolled out/);
    const cur = await currentRs('web');
    assert.equal(cur.metadata?.name, firstRs);
    assert.equal(cur.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(cur.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(cur.spec?.replicas, 3);
    assert.equal((await rsOf('web')).length, 2);
    const d = await getDeploy('web');
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    const pods = (await podsOf('web')).filter(isLive);
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.spec?.containers[0]?.image === 'nginx:1.26' && p.metadata?.name?.startsWith(`${firstRs}-`)));
    const history = await k.ok(['-n', NS, 'rollout', 'history', 'deploy/web']);
    assert.match(history, /\b2\b/);
    assert.match(history, /\b3\b/);
  });

  test('kubectl scale --replicas=0 removes every pod; scaling back to 3 restores them', async () => {
    await k.ok(['-n', NS, 'scale', 'deploy/web', '--replicas=0']);
    await waitUntil(async () => (await podsOf('web')).length === 0, { timeoutMs: 30_000, what: 'all web pods to be gone' });
    await waitUntil(async () => {
      const d = await getDeploy('web');
      return d.status?.replicas === 0 && d.status.observedGeneration === d.metadata?.generation;
    }, { timeoutMs: 10_000, what: 'status replicas 0' });
    await k.ok(['-n', NS, 'scale', 'deploy/web', '--replicas=3']);
    assert.match(await rolloutStatus('web'), /successfully rolled out/);
    const pods = (await podsOf('web')).filter(isLive);
    assert.equal(pods.length, 3);
    assert.equal((await currentRs('web')).metadata?.name, firstRs);
    await eventually((e) => e.reason === 'ScalingReplicaSet' && e.message === `Scaled down replica set ${firstRs} to 0 from 3`, 'the scale-down event');
    await eventually((e) => e.reason === 'SuccessfulDelete' && e.involvedObject.name === firstRs && /^Deleted pod: web-/.test(e.message ?? ''), 'a SuccessfulDelete event');
  });

  test('a paused deployment does not roll; resuming it does', async () => {
    await k.ok(['-n', NS, 'rollout', 'pause', 'deploy/web']);
    await k.ok(['-n', NS, 'set', 'image', 'deploy/web', 'main=nginx:1.28']);
    const paused = await waitUntil(async () => {
      const d = await getDeploy('web');
      return d.status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused') !== undefined ? d : false;
    }, { timeoutMs: 10_000, what: 'the DeploymentPaused condition' });
    assert.equal(paused.spec?.paused, true);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await rsOf('web')).length, 2, 'no new ReplicaSet while paused');
    await k.ok(['-n', NS, 'rollout', 'resume', 'deploy/web']);
    assert.match(await rolloutStatus('web'), /successfully rolled out/);
    const pods = (await podsOf('web')).filter(isLive);
    assert.ok(pods.length === 3 && pods.every((p) => p.spec?.containers[0]?.image === 'nginx:1.28'));
  });

  test('revisionHistoryLimit removes the oldest scaled-down ReplicaSets', async () => {
    await k.ok(['-n', NS, 'patch', 'deploy/web', '-p', '{"spec":{"revisionHistoryLimit":1}}']);
    await waitUntil(async () => (await rsOf('web')).length === 2, { timeoutMs: 15_000, what: 'one old ReplicaSet kept' });
    const names = (await rsOf('web')).map((r) => r.metadata?.name);
    assert.ok(names.includes(firstRs), 'the most recent old revision is kept');
  });

  test('Recreate: the old pods are gone before new ones start', async () => {
    await k.ok(['apply', '-f', '-'], { input: deployment('batch', 'busybox:1.36', { replicas: 2, strategy: { type: 'Recreate' } }) });
    assert.match(await rolloutStatus('batch'), /successfully rolled out/);
    const oldRs = (await currentRs('batch')).metadata?.name ?? '';
    // when a new pod shows up, a fresh list (newer than the event) must not hold an old pod
    const checks: Promise<boolean>[] = [];
    const off = nodes.pods.onAdd((p) => {
      if (p.metadata?.labels?.['app'] !== 'batch' || p.metadata.name?.startsWith(`${oldRs}-`) === true) return;
      checks.push(podsOf('batch').then((all) => all.some((q) => q.metadata?.name?.startsWith(`${oldRs}-`) === true)));
    });
    try {
      await k.ok(['-n', NS, 'set', 'image', 'deploy/batch', 'main=busybox:1.37']);
      assert.match(await rolloutStatus('batch'), /successfully rolled out/);
    } finally {
      off();
    }
    const overlaps = await Promise.all(checks);
    assert.equal(overlaps.length, 2, 'two new pods were seen');
    assert.ok(overlaps.every((o) => !o), 'a new pod existed while an old one did');
    const pods = (await podsOf('batch')).filter(isLive);
    assert.ok(pods.length === 2 && pods.every((p) => p.spec?.containers[0]?.image === 'busybox:1.37'));
  });

  test('a rollout that cannot progress is marked ProgressDeadlineExceeded and rollout status fails', async () => {
    await k.ok(['apply', '-f', '-'], {
      input: deployment('stuck', 'nginx:1.27', { replicas: 1, spec: { progressDeadlineSeconds: 2 }, podSpec: { nodeSelector: { 'no-such': 'node' } } }),
    });
    const d = await waitUntil(async () => {
      const cur = await getDeploy('stuck');
      const c = cur.status?.conditions?.find((x) => x.type === 'Progressing');
      return c?.status === 'False' && c.reason === 'ProgressDeadlineExceeded' ? cur : false;
    }, { timeoutMs: 20_000, what: 'ProgressDeadlineExceeded' });
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'False');
    const r = await k.run(['-n', NS, 'rollout', 'status', 'deploy/stuck', '--timeout=20s'], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /exceeded its progress deadline/);
  });

  test('minReadySeconds: the rollout completes once the pods have been ready that long (a delayed resync)', async () => {
    await k.ok(['apply', '-f', '-'], { input: deployment('slow', 'nginx:1.27', { replicas: 2, spec: { minReadySeconds: 1 } }) });
    assert.match(await rolloutStatus('slow'), /successfully rolled out/);
    const rs = await currentRs('slow');
    assert.equal(rs.spec?.minReadySeconds, 1);
    assert.deepEqual([rs.status?.readyReplicas, rs.status?.availableReplicas], [2, 2]);
  });

  test('a bare ReplicaSet adopts a matching orphan pod, creates only what is missing and deletes the newest surplus first', async () => {
    await client.create(RESOURCES.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', namespace: NS, labels: { app: 'lone' } },
      spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] },
    });
    await waitUntil(async () => (await client.get(RESOURCES.pods, NS, 'orphan')).status?.phase === 'Running', { timeoutMs: 15_000, what: 'the orphan to run' });
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'lone', namespace: NS },
      spec: { replicas: 2, selector: { matchLabels: { app: 'lone' } }, template: { metadata: { labels: { app: 'lone' } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } } },
    };
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify(manifest) });
    const rs = await waitUntil(async () => {
      const cur = await client.get(RESOURCES.replicasets, NS, 'lone');
      const st = cur.status;
      return st?.replicas === 2 && st.readyReplicas === 2 && st.availableReplicas === 2 && st.fullyLabeledReplicas === 2 && st.observedGeneration === cur.metadata?.generation ? cur : false;
    }, { timeoutMs: 20_000, what: 'ReplicaSet lone to have 2 available replicas' });
    const uid = rs.metadata?.uid ?? '';
    const orphan = await client.get(RESOURCES.pods, NS, 'orphan');
    assert.ok(ownedBy(orphan, uid), 'the orphan was adopted');
    const pods = (await podsOf('lone')).filter(isLive);
    assert.equal(pods.length, 2);
    assert.ok(pods.every((p) => ownedBy(p, uid)));
    const created = (await client.list(RESOURCES.events, { namespace: NS })).items.filter((e) => e.reason === 'SuccessfulCreate' && e.involvedObject.name === 'lone');
    assert.equal(created.length, 1, 'one pod created, not two');

    await k.ok(['-n', NS, 'scale', 'rs/lone', '--replicas=1']);
    await waitUntil(async () => (await podsOf('lone')).length === 1, { timeoutMs: 20_000, what: 'one lone pod left' });
    assert.equal((await podsOf('lone'))[0]?.metadata?.name, 'orphan', 'the newer pod went first');
    await k.ok(['-n', NS, 'delete', 'rs/lone']);
    await waitUntil(async () => (await podsOf('lone')).length === 0, { timeoutMs: 20_000, what: 'lone pods to be collected' });
  });

  test('scaling in the middle of a stuck rollout is proportional (Kubernetes e2e: 8/5 of 10 become 20/13 of 30)', async () => {
    await k.ok(['apply', '-f', '-'], { input: deployment('prop', 'nginx:1.26', { replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }) });
    assert.match(await rolloutStatus('prop'), /successfully rolled out/);
    const first = (await currentRs('prop')).metadata?.name ?? '';
    // the new template's pods fit nowhere: the rollout stalls at old 8 / new 5
    await k.ok(['-n', NS, 'patch', 'deploy/prop', '-p', '{"spec":{"template":{"spec":{"nodeSelector":{"no-such":"node"}}}}}']);
    const sizes = async (): Promise<[number, number]> => {
      const rss = await rsOf('prop');
      const old = rss.find((r) => r.metadata?.name === first);
      const next = rss.find((r) => r.metadata?.name !== first);
      return [old?.spec?.replicas ?? -1, next?.spec?.replicas ?? -1];
    };
    await waitUntil(async () => JSON.stringify(await sizes()) === '[8,5]', { timeoutMs: 20_000, what: 'the rollout to stall at 8/5' });
    await k.ok(['-n', NS, 'scale', 'deploy/prop', '--replicas=30']);
    await waitUntil(async () => JSON.stringify(await sizes()) === '[20,13]', { timeoutMs: 20_000, what: 'proportional scaling to 20/13' });
    await k.ok(['-n', NS, 'delete', 'deploy/prop']);
    await waitUntil(async () => (await podsOf('prop')).length === 0, { timeoutMs: 30_000, what: 'prop pods to be collected' });
  });

  test('deleting a Deployment garbage-collects its ReplicaSets and pods', async () => {
    const d = await getDeploy('web');
    await k.ok(['-n', NS, 'delete', 'deploy/web']);
    await waitUntil(async () => (await rsOf('web')).length === 0 && (await podsOf('web')).length === 0, { timeoutMs: 30_000, what: 'ReplicaSets and pods of web to be collected' });
    const leftovers = (await client.list(RESOURCES.replicasets, { namespace: NS })).items.filter((r) => ownedBy(r, d.metadata?.uid ?? ''));
    assert.deepEqual(leftovers, []);
  });
});
