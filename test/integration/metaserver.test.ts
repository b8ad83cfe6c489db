/**
 * Issue 5, the metaserver: the edge's SQLite served as a read-only Kubernetes API, driven with the real
 * kubectl (`--server http://127.0.0.1:<port>`, its own HOME) and a @kubernetes/client-node 1.4.0
 * informer (list + watch). The edge database is a real file filled the way metamanager fills it:
 * object rows `<ns>/<type>/<name>` and the podpatch status reports edged made.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { DEFAULT_EDGECORE_CONFIG, type EdgeCoreConfig } from '../../src/api/config/index.js';
import type { JsonObject } from '../../src/base/index.js';
import { startEdgecore } from '../../src/cmd/edgecore/run.js';
import { READ_ONLY_MESSAGE, startMetaServer, type RunningMetaServer } from '../../src/edge/metaserver/index.js';
import { silentLogger } from '../../src/platform/log/index.js';
import { openEdgeDb, type EdgeDb } from '../../src/platform/store/index.js';
import { describeRun, isRecord, kubectlSession, requireKubectl, tempDir, waitUntil, type KubectlSession } from '../harness/index.js';

const kubectl = await requireKubectl();

function pod(ns: string, name: string, uid: string): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid, resourceVersion: '812', labels: { app: name }, creationTimestamp: '2026-11-27T10:00:00Z' },
    spec: { nodeName: 'edge-1', containers: [{ name: 'main', image: 'busybox:1.36', command: ['httpd', '-f'] }] },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

function runningStatus(ip: string): JsonObject {
  return {
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    hostIP: '192.168.1.2',
    startTime: '2026-11-27T10:00:01Z',
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-27T10:00:03Z' }],
    containerStatuses: [
      { name: 'main', image: 'busybox:1.36', imageID: 'sha256:1', containerID: 'containerd://abc', ready: true, started: true, restartCount: 0, state: { running: { startedAt: '2026-11-27T10:00:02Z' } } },
    ],
  };
}

function put(db: EdgeDb, type: string, ns: string, name: string, value: JsonObject): void {
  db.meta.put({ key: `${ns}/${type}/${name}`, type, value: JSON.stringify(value) });
}

describe('metaserver: kubectl and informers on the edge host, from SQLite', { skip: kubectl.skip, timeout: 180_000 }, () => {
  const cleanups: (() => unknown)[] = [];
  const owner = { after: (fn: () => unknown) => cleanups.push(fn) };
  let db: EdgeDb;
  let ms: RunningMetaServer;
  let k: KubectlSession;

  before(async () => {
    const dir = await tempDir({ prefix: 'metaserver', owner });
    db = openEdgeDb(path.join(dir, 'edgecore.db'));
    cleanups.push(() => db.close());
    put(db, 'pod', 'default', 'web-1', pod('default', 'web-1', 'uid-web-1'));
    put(db, 'pod', 'default', 'web-2', pod('default', 'web-2', 'uid-web-2'));
    put(db, 'pod', 'kube-system', 'agent', pod('kube-system', 'agent', 'uid-agent'));
    put(db, 'podpatch', 'default', 'web-1', { metadata: { uid: 'uid-web-1' }, status: runningStatus('10.88.0.11') });
    put(db, 'podpatch', 'kube-system', 'agent', { metadata: { uid: 'uid-agent' }, status: runningStatus('10.88.0.12') });
    put(db, 'configmap', 'default', 'site', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'site', namespace: 'default', uid: 'uid-cm' }, data: { 'index.html': 'hello' } });
    ms = await startMetaServer({ db, log: silentLogger(), host: '127.0.0.1', port: 0, nodeName: 'edge-1' });
    cleanups.push(() => ms.close());
    // kubectl needs a kubeconfig file; everything it talks to comes from --server.
    const kubeconfig = path.join(dir, 'empty.kubeconfig');
    await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
    k = await kubectlSession({ kubeconfig, ...(kubectl.path !== undefined ? { kubectl: kubectl.path } : {}), owner });
  });

  after(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  const server = (): string[] => ['--server', ms.url];

  test('kubectl get pods -A lists the node pods with their reported status', async () => {
    const out = await k.ok([...server(), 'get', 'pods', '-A']);
    const lines = out.trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.deepEqual(lines[0]?.slice(0, 4), ['NAMESPACE', 'NAME', 'READY', 'STATUS'], out);
    const rows = new Map(lines.slice(1).map((cols) => [`${cols[0] ?? ''}/${cols[1] ?? ''}`, cols]));
    assert.deepEqual([...rows.keys()].sort(), ['default/web-1', 'default/web-2', 'kube-system/agent'], out);
    assert.deepEqual(rows.get('default/web-1')?.slice(2, 4), ['1/1', 'Running'], out);
    assert.deepEqual(rows.get('kube-system/agent')?.slice(2, 4), ['1/1', 'Running'], out);
    assert.deepEqual(rows.get('default/web-2')?.slice(2, 4), ['0/1', 'Pending'], out);
    const wide = await k.ok([...server(), 'get', 'pods', '-o', 'wide']);
    assert.match(wide, /web-1\s+1\/1\s+Running\s+0\s+\S+\s+10\.88\.0\.11\s+edge-1/, wide);
  });

  test('kubectl get pod -o json: the stored object with its reported status', async () => {
    const got = await k.json([...server(), 'get', 'pod', 'web-1', '-n', 'default']);
    assert.ok(isRecord(got) && isRecord(got['metadata']));
    const rv = got['metadata']['resourceVersion'];
    assert.ok(typeof rv === 'string' && /^\d+$/.test(rv), 'a mirror revision as resourceVersion');
    const expected = pod('default', 'web-1', 'uid-web-1');
    expected['metadata'] = { ...(expected['metadata'] as JsonObject), resourceVersion: rv };
    expected['status'] = { ...(expected['status'] as JsonObject), ...runningStatus('10.88.0.11') };
    assert.deepEqual(got, expected);
  });

  test('kubectl get configmaps', async () => {
    const out = await k.ok([...server(), 'get', 'configmaps']);
    assert.match(out, /^NAME\s+DATA\s+AGE\n/, out);
    assert.match(out, /\nsite\s+1\s+/, out);
    const cm = await k.json([...server(), 'get', 'configmap', 'site']);
    assert.ok(isRecord(cm));
    assert.deepEqual(cm['data'], { 'index.html': 'hello' });
  });

  test('kubectl delete pod is refused: the metaserver is read-only', async () => {
    const r = await k.run([...server(), 'delete', 'pod', 'web-1', '--wait=false']);
    assert.notEqual(r.code, 0, describeRun(r));
    assert.ok(r.stderr.includes('MethodNotAllowed') && r.stderr.includes(READ_ONLY_MESSAGE), describeRun(r));
    assert.ok(db.meta.get('default/pod/web-1') !== undefined);
    assert.match(await k.ok([...server(), 'get', 'pod', 'web-1']), /web-1\s+1\/1\s+Running/);
    assert.ok((ms.rejected().get('405') ?? 0) >= 1);
  });

  test('a client-node informer lists, then sees a pod added to SQLite', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      // client-node 1.4.0 refuses an http:// server unless skipTLSVerify is set (there is no TLS to verify).
      clusters: [{ name: 'edge', server: ms.url, skipTLSVerify: true }],
      users: [{ name: 'local' }],
      contexts: [{ name: 'edge', cluster: 'edge', user: 'local' }],
      currentContext: 'edge',
    });
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer<k8s.V1Pod>(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
    const added: string[] = [];
    const updated: string[] = [];
    const errors: unknown[] = [];
    informer.on('add', (p) => added.push(`${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`));
    informer.on('update', (p) => updated.push(`${p.metadata?.name ?? ''}:${p.status?.phase ?? ''}`));
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    try {
      assert.deepEqual(errors, [], 'the informer started without errors');
      await waitUntil(() => added.length >= 3, { timeoutMs: 20_000, what: 'the listed pods' });
      assert.deepEqual([...added].sort(), ['default/web-1', 'default/web-2', 'kube-system/agent'], `errors: ${errors.map(String).join('; ')}`);
      put(db, 'pod', 'default', 'web-3', pod('default', 'web-3', 'uid-web-3'));
      await waitUntil(() => added.includes('default/web-3'), { timeoutMs: 20_000, what: 'the informer add of web-3' });
      put(db, 'podpatch', 'default', 'web-3', { metadata: { uid: 'uid-web-3' }, status: runningStatus('10.88.0.13') });
      await waitUntil(() => updated.includes('web-3:Running'), { timeoutMs: 20_000, what: 'the informer update of web-3 to Running' });
      assert.equal(informer.get('web-3', 'default')?.status?.podIP, '10.88.0.13');
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});

describe('edgecore starts the metaserver when modules.metaManager.metaServer.enable is true', { timeout: 60_000 }, () => {
  test('serves the database edgecore opened, offline (no cloud), and stops with edgecore', async (t) => {
    const dir = await tempDir({ prefix: 'metaserver-edgecore', owner: t });
    const dbFile = path.join(dir, 'edgecore.db');
    const seed = openEdgeDb(dbFile);
    put(seed, 'pod', 'default', 'kept', pod('default', 'kept', 'uid-kept'));
    put(seed, 'podpatch', 'default', 'kept', { metadata: { uid: 'uid-kept' }, status: runningStatus('10.88.0.20') });
    seed.close();
    const d = DEFAULT_EDGECORE_CONFIG;
    const config: EdgeCoreConfig = {
      ...d,
      database: { ...d.database, dataSource: dbFile },
      modules: {
        ...d.modules,
        edgeHub: { ...d.modules.edgeHub, enable: false },
        edged: { ...d.modules.edged, enable: false, hostnameOverride: 'edge-ms' },
        metaManager: { ...d.modules.metaManager, enable: true, metaServer: { enable: true, server: '127.0.0.1:0' } },
      },
    };
    const edge = await startEdgecore(config, { log: silentLogger() });
    let stopped = false;
    t.after(async () => {
      if (!stopped) await edge.stop();
    });
    const url = edge.metaServer?.url;
    assert.ok(url !== undefined, 'the metaserver runs');
    const r = await fetch(`${url}/api/v1/namespaces/default/pods/kept`);
    assert.equal(r.status, 200);
    const body = (await r.json()) as unknown;
    assert.ok(isRecord(body) && isRecord(body['status']));
    assert.equal(body['status']['podIP'], '10.88.0.20');
    await edge.stop();
    stopped = true;
    await assert.rejects(fetch(`${url}/healthz`), 'the metaserver stops with edgecore');
  });
});
