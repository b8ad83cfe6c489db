/**
 * Issue 5, acceptance 1-4 on a real containerd (started by the harness, images from a local registry):
 *   1. a Deployment of two busybox httpd pods with a ConfigMap volume and an env from a Secret runs on the
 *      edge node: Running and Ready with pod IPs, HTTP to a pod IP returns the ConfigMap's file, ExecSync
 *      shows the env value;
 *   2. a killed container is restarted (restartCount up); a failing liveness probe restarts; a failing
 *      readiness probe turns the pod NotReady;
 *   4. a ConfigMap update reaches the mounted file of the running pod;
 *   3. offline reboot: cloudcore stopped, edgecore stopped and every sandbox stopped, edgecore started: every
 *      pod runs again from SQLite only (time measured and printed); an edgecore restart keeps the running
 *      containers (same IDs); cloudcore back: same pod UIDs, nothing recreated.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCriClient, type CriClient } from '../../src/platform/cri/client.js';
import { requireContainerd, startContainerd, type ContainerdHandle } from '../harness/containerd.js';
import {
  arr,
  createNamespace,
  httpGet,
  joinEdge,
  kubectlSession,
  podSummary,
  requireKubectl,
  startCloudcore,
  waitUntil,
  type CloudcoreHandle,
  type EdgeHandle,
  type KubectlSession,
  type PodSummary,
} from '../harness/index.js';

const kubectl = await requireKubectl();
const containerd = await requireContainerd();
const NS = 'edge-pods';
const NODE = 'edge-cri';


function deployment(image: string): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': NODE },
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: 'httpd',
              image,
              command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
              ports: [{ containerPort: 8080 }],
              env: [{ name: 'SECRET_TOKEN', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'token' } } }],
              volumeMounts: [{ name: 'content', mountPath: '/www' }],
              readinessProbe: { httpGet: { path: '/index.html', port: 8080 }, periodSeconds: 1 },
            },
          ],
          volumes: [{ name: 'content', configMap: { name: 'web-content' } }],
        },
      },
    },
  };
}

function probesPod(image: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'probes', namespace: NS },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'c',
          image,
          command: ['sh', '-c', 'touch /tmp/live /tmp/ready; exec sleep 100000'],
          livenessProbe: { exec: { command: ['cat', '/tmp/live'] }, periodSeconds: 1, failureThreshold: 1 },
          readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    },
  };
}

describe('real pods on containerd at the edge', { skip: kubectl.skip || containerd.skip, timeout: 900_000 }, () => {
  let ctd: ContainerdHandle;
  let cloud: CloudcoreHandle;
  let edge: EdgeHandle;
  let k: KubectlSession;
  let cri: CriClient;
  const cleanups: (() => unknown)[] = [];
  const owner = { after: (fn: () => unknown) => cleanups.push(fn) };

  before(async () => {
    ctd = await startContainerd({ owner });
    cri = createCriClient(ctd.endpoint);
    owner.after(() => cri.close());
    cloud = await startCloudcore({ controllers: true, owner });
    edge = await joinEdge(cloud, { nodeName: NODE, runtime: 'cri', cri: ctd, owner });
    k = await kubectlSession({ kubeconfig: cloud.kubeconfigPath, ...(kubectl.path ? { kubectl: kubectl.path } : {}), owner });
    await createNamespace(cloud.client, NS);
  });

  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  async function pods(selector?: string): Promise<PodSummary[]> {
    const list = await k.json(['get', 'pods', '-n', NS, ...(selector ? ['-l', selector] : [])]);
    return arr(list, 'items').map(podSummary);
  }

  async function pod(name: string): Promise<PodSummary | undefined> {
    return (await pods()).find((p) => p.name === name);
  }

  async function webPods(what: string, ok: (p: PodSummary) => boolean = (p) => p.phase === 'Running' && p.ready && p.podIP !== ''): Promise<PodSummary[]> {
    return waitUntil(
      async () => {
        const list = await pods('app=web');
        return list.length === 2 && list.every(ok) ? list : false;
      },
      { timeoutMs: 120_000, intervalMs: 500, what },
    );
  }

  async function execOut(containerID: string, cmd: string[]): Promise<string> {
    const r = await cri.execSync(containerID, cmd, 10);
    assert.equal(r.exitCode, 0, `${cmd.join(' ')}: ${r.stderr.toString()}`);
    return r.stdout.toString();
  }

  it('1. a Deployment with a ConfigMap volume and a Secret env runs Ready with pod IPs, serving the file', async () => {
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-content', namespace: NS }, data: { 'index.html': 'hello from v1\n' } }) });
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secret', namespace: NS }, stringData: { token: 's3cr3t-value' } }) });
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify(deployment(ctd.busyboxImage)) });
    const running = await webPods('two web pods Running and Ready with pod IPs');
    for (const p of running) {
      assert.ok(p.podIP !== edge.nodeName && /^\d+\.\d+\.\d+\.\d+$/.test(p.podIP), `pod IP ${p.podIP}`);
      const r = await httpGet(`http://${p.podIP}:8080/index.html`);
      assert.equal(r.status, 200);
      assert.equal(r.text, 'hello from v1\n');
      assert.equal(await execOut(p.containerID, ['printenv', 'SECRET_TOKEN']), 's3cr3t-value\n');
    }
    const table = await k.ok(['get', 'pods', '-n', NS, '-o', 'wide']);
    assert.match(table, /Running/);
  });

  it('2. a killed container restarts; liveness failure restarts; readiness failure makes the pod NotReady', async () => {
    const [first] = await webPods('web pods Running');
    assert.ok(first !== undefined);
    const status = await cri.containerStatus(first.containerID, true);
    const pid = (JSON.parse(status.info['info'] ?? '{}') as { pid?: number }).pid;
    assert.ok(typeof pid === 'number' && pid > 1, `host pid of ${first.containerID}: ${String(pid)}`);
    process.kill(pid, 'SIGKILL');
    await waitUntil(async () => ((await pod(first.name))?.restarts ?? 0) >= 1, { timeoutMs: 60_000, what: `${first.name} restartCount >= 1` });
    await webPods('web pods Ready again after the restart');

    await k.ok(['apply', '-f', '-'], { input: JSON.stringify(probesPod(ctd.busyboxImage)) });
    const p0 = await waitUntil(async () => {
      const p = await pod('probes');
      return p !== undefined && p.phase === 'Running' && p.ready ? p : false;
    }, { timeoutMs: 60_000, what: 'pod probes Ready' });
    await execOut(p0.containerID, ['rm', '/tmp/ready']);
    await waitUntil(async () => (await pod('probes'))?.ready === false, { timeoutMs: 30_000, what: 'probes NotReady after its readiness file went' });
    assert.equal((await pod('probes'))?.phase, 'Running', 'a failing readiness probe does not stop the pod');
    await execOut(p0.containerID, ['rm', '/tmp/live']);
    const p1 = await waitUntil(async () => {
      const p = await pod('probes');
      return p !== undefined && p.restarts >= 1 && p.ready ? p : false;
    }, { timeoutMs: 60_000, what: 'probes restarted by its liveness probe, Ready again' });
    assert.notEqual(p1.containerID, p0.containerID);
    await k.ok(['delete', 'pod', 'probes', '-n', NS, '--wait=false']);
  });

  it('4. a ConfigMap update changes the mounted file in the running pods', async () => {
    const before = await webPods('web pods Running');
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-content', namespace: NS }, data: { 'index.html': 'hello from v2\n' } }) });
    for (const p of before) {
      await waitUntil(async () => (await httpGet(`http://${p.podIP}:8080/index.html`).catch(() => ({ text: '' }))).text === 'hello from v2\n', { timeoutMs: 60_000, intervalMs: 500, what: `${p.name} serves v2` });
    }
    const afterUpdate = await pods('app=web');
    assert.deepEqual(afterUpdate.map((p) => p.containerID).sort(), before.map((p) => p.containerID).sort(), 'the update lands in place: no container restarted');
  });

  it('a pod deleted in the cloud while edgecore was down is removed when it comes back', async () => {
    const lonely = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'lonely', namespace: NS },
      spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: ctd.busyboxImage, command: ['sleep', '100000'] }] },
    };
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify(lonely) });
    const p = await waitUntil(async () => {
      const x = await pod('lonely');
      return x !== undefined && x.phase === 'Running' ? x : false;
    }, { timeoutMs: 60_000, what: 'pod lonely Running' });
    await edge.stop();
    await k.ok(['delete', 'pod', 'lonely', '-n', NS, '--wait=false']);
    await edge.restart();
    await waitUntil(async () => (await pod('lonely')) === undefined, { timeoutMs: 90_000, intervalMs: 500, what: 'pod lonely gone from the API' });
    await waitUntil(async () => !(await cri.listContainers()).some((c) => c.labels['io.kubernetes.pod.uid'] === p.uid && c.state === 'CONTAINER_RUNNING'), {
      timeoutMs: 30_000,
      what: 'lonely\'s container stopped',
    });
    await webPods('web pods still Running');
  });

  it('3. offline reboot: pods come back from SQLite alone; an edgecore restart keeps containers; the cloud finds the same pods', async () => {
    const beforeReboot = await webPods('web pods Running before the reboot');
    const uids = beforeReboot.map((p) => p.uid).sort();
    await cloud.stop();
    await edge.stop();
    // The "reboot": every sandbox stops (its containers die, its network goes).
    for (const s of await cri.listPodSandbox()) await cri.stopPodSandbox(s.id);
    const started = Date.now();
    await edge.restart();
    const running = await waitUntil(
      async () => {
        const cs = (await cri.listContainers()).filter((c) => c.state === 'CONTAINER_RUNNING' && c.labels['io.kubernetes.pod.namespace'] === NS);
        const podUids = new Set(cs.map((c) => c.labels['io.kubernetes.pod.uid']));
        return uids.every((u) => podUids.has(u)) ? cs : false;
      },
      { timeoutMs: 120_000, intervalMs: 100, what: 'every web pod running again with the cloud away' },
    );
    process.stderr.write(`[edge-pods] offline reboot: ${uids.length} pods running ${Date.now() - started} ms after edgecore start\n`);
    const ids = running.map((c) => c.id).sort();

    await edge.stop();
    await edge.restart();
    await waitUntil(() => /stored pods loaded/.test(edge.logs({ tail: 400 }).split('----- edgecore restart -----').at(-1) ?? ''), { timeoutMs: 60_000, what: 'edgecore loaded its pods again' });
    // Give it two resync periods to (wrongly) restart anything.
    await new Promise((r) => setTimeout(r, 3_000));
    const still = (await cri.listContainers()).filter((c) => c.state === 'CONTAINER_RUNNING' && c.labels['io.kubernetes.pod.namespace'] === NS);
    assert.deepEqual(still.map((c) => c.id).sort(), ids, 'an edgecore restart keeps the running containers');

    await cloud.restart();
    const back = await webPods('web pods Running and Ready in the API after the cloud is back', (p) => p.phase === 'Running' && p.ready && ids.includes(p.containerID));
    assert.deepEqual(back.map((p) => p.uid).sort(), uids, 'same pod UIDs: nothing was recreated');
  });
});
