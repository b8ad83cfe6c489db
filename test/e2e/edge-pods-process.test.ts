/**
 * Issue 5, acceptance 5 and 6 on an edge node with the `process` runtime (no containerd):
 *   5. a Deployment with a ConfigMap volume and an env from a Secret runs (each container's command is a host
 *      process), a killed process is restarted with restartCount up, and status reaches the API; a ConfigMap
 *      update reaches the file the process reads.
 *   6. with the cloud down, `kubectl --server http://127.0.0.1:<metaserver port> get pods` on the edge host
 *      lists the node's pods (served from the edge's SQLite).
 * The pods share the host's network in this runtime, so two replicas cannot both listen on one port: the
 * container here reads its files and sleeps, with an exec readiness probe, instead of serving HTTP.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  arr,
  createNamespace,
  joinEdge,
  kubectlSession,
  podSummary,
  requireKubectl,
  startCloudcore,
  str,
  waitUntil,
  type CloudcoreHandle,
  type EdgeHandle,
  type KubectlSession,
  type PodSummary,
} from '../harness/index.js';

const kubectl = await requireKubectl();
const NS = 'edge-proc';
const NODE = 'edge-proc';


const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'worker', namespace: NS },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'worker' } },
    template: {
      metadata: { labels: { app: 'worker' } },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': NODE },
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'main',
            image: 'busybox',
            // Writes what it sees where the test can read it, then keeps running.
            command: ['sh', '-c', 'echo "token=$SECRET_TOKEN" > seen.txt; exec sleep 100000'],
            env: [{ name: 'SECRET_TOKEN', valueFrom: { secretKeyRef: { name: 'worker-secret', key: 'token' } } }],
            volumeMounts: [{ name: 'content', mountPath: 'content' }],
            readinessProbe: { exec: { command: ['cat', 'content/greeting'] }, periodSeconds: 1 },
          },
        ],
        volumes: [{ name: 'content', configMap: { name: 'worker-content' } }],
      },
    },
  },
};

describe('pods on the process runtime, and the metaserver with the cloud away', { skip: kubectl.skip, timeout: 600_000 }, () => {
  let cloud: CloudcoreHandle;
  let edge: EdgeHandle;
  let k: KubectlSession;
  const cleanups: (() => unknown)[] = [];
  const owner = { after: (fn: () => unknown) => cleanups.push(fn) };

  before(async () => {
    cloud = await startCloudcore({ controllers: true, owner });
    edge = await joinEdge(cloud, { nodeName: NODE, runtime: 'process', owner });
    k = await kubectlSession({ kubeconfig: cloud.kubeconfigPath, ...(kubectl.path ? { kubectl: kubectl.path } : {}), owner });
    await createNamespace(cloud.client, NS);
  });

  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  const podDir = (uid: string): string => path.join(edge.dataDir, 'edged', 'pods', uid);

  async function workers(what: string, ok: (p: PodSummary) => boolean = (p) => p.phase === 'Running' && p.ready): Promise<PodSummary[]> {
    return waitUntil(
      async () => {
        const list = arr(await k.json(['get', 'pods', '-n', NS, '-l', 'app=worker']), 'items').map(podSummary);
        return list.length === 2 && list.every(ok) ? list : false;
      },
      { timeoutMs: 90_000, intervalMs: 500, what },
    );
  }

  function containerPid(uid: string): number {
    const stateDir = path.join(podDir(uid), 'state');
    const file = readdirSync(stateDir).find((f) => f.startsWith('main'));
    assert.ok(file !== undefined, `no state file in ${stateDir}`);
    const pid = (JSON.parse(readFileSync(path.join(stateDir, file), 'utf8')) as { pid?: unknown }).pid;
    assert.ok(typeof pid === 'number' && pid > 1, `pid in ${file}: ${String(pid)}`);
    return pid;
  }

  it('5. the Deployment runs as host processes, with the Secret env and the ConfigMap file', async () => {
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'worker-content', namespace: NS }, data: { greeting: 'v1' } }) });
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'worker-secret', namespace: NS }, stringData: { token: 'proc-secret' } }) });
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify(DEPLOYMENT) });
    const running = await workers('two worker pods Running and Ready');
    for (const p of running) {
      const cwd = path.join(podDir(p.uid), 'containers', 'main');
      await waitUntil(() => readFileSync(path.join(cwd, 'seen.txt'), 'utf8') === 'token=proc-secret\n', { timeoutMs: 10_000, what: `${p.name} saw the Secret env` });
      assert.equal(readFileSync(path.join(cwd, 'content', 'greeting'), 'utf8'), 'v1');
    }
  });

  it('5. a killed process is restarted and the restart count reaches the API; a ConfigMap update lands', async () => {
    const [first] = await workers('workers Running');
    assert.ok(first !== undefined);
    process.kill(containerPid(first.uid), 'SIGKILL');
    await waitUntil(async () => arr(await k.json(['get', 'pods', '-n', NS, '-l', 'app=worker']), 'items').map(podSummary).find((p) => p.uid === first.uid && p.restarts >= 1), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: `${first.name} restartCount >= 1 in the API`,
    });
    await workers('workers Ready again');
    await k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'worker-content', namespace: NS }, data: { greeting: 'v2' } }) });
    const cwd = path.join(podDir(first.uid), 'containers', 'main');
    await waitUntil(() => readFileSync(path.join(cwd, 'content', 'greeting'), 'utf8') === 'v2', { timeoutMs: 60_000, intervalMs: 500, what: 'the ConfigMap update in the process\'s file' });
  });

  it('a static pod manifest in DATA_DIR/manifests runs without the cloud', async () => {
    const dir = path.join(edge.dataDir, 'manifests');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'static.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: static\nspec:\n  containers:\n    - name: s\n      image: busybox\n      command: [sh, -c, "echo static-ran > ran.txt; exec sleep 100000"]\n',
    );
    const ran = await waitUntil(
      () => {
        for (const uid of readdirSync(path.join(edge.dataDir, 'edged', 'pods'))) {
          const file = path.join(podDir(uid), 'containers', 's', 'ran.txt');
          if (existsSync(file) && readFileSync(file, 'utf8') === 'static-ran\n') return uid;
        }
        return false;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the static pod ran' },
    );
    rmSync(path.join(dir, 'static.yaml'));
    await waitUntil(() => !existsSync(podDir(ran)), { timeoutMs: 60_000, intervalMs: 500, what: 'the static pod removed with its manifest' });
  });

  it('6. with the cloud down, kubectl against the edge metaserver lists the node\'s pods', async () => {
    const names = (await workers('workers Running')).map((p) => p.name).sort();
    await cloud.stop();
    // The edge host's view: a kubeconfig with just the metaserver's address, no credentials.
    const kubeconfig = path.join(edge.dataDir, 'metaserver.kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'edge', cluster: { server: edge.metaserverUrl } }],
        users: [{ name: 'local', user: {} }],
        contexts: [{ name: 'edge', context: { cluster: 'edge', user: 'local' } }],
        'current-context': 'edge',
      }),
    );
    const local = await kubectlSession({ kubeconfig, ...(kubectl.path ? { kubectl: kubectl.path } : {}), owner });
    const items = arr(await local.json(['get', 'pods', '-n', NS]), 'items');
    assert.deepEqual(items.map((p) => str(p, 'metadata.name')).sort(), names);
    assert.ok(items.every((p) => str(p, 'status.phase') === 'Running'), 'the edge serves the pods with the status it reported');
    const table = await local.ok(['get', 'pods', '-A']);
    for (const n of names) assert.match(table, new RegExp(`${NS}\\s+${n}\\s+1/1\\s+Running`));
    await cloud.restart();
  });
});
