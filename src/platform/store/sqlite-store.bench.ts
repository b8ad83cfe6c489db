/**
 * Quick throughput figures for the SQLite store (not a test):
 *   node --import tsx src/platform/store/sqlite-store.bench.ts [count] [worker|inline]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JsonObject } from '../../base/index.js';
import { openSqliteStore } from './sqlite-store.js';

const count = Number(process.argv[2] ?? 20_000);
const checkpoints = process.argv[3] === 'inline' ? 'inline' : 'worker';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ke-store-bench-'));
const file = path.join(dir, 'store.db');

/** A pod of about 1.5 KB of JSON. */
function pod(i: number, rev: number): JsonObject {
  const name = `nginx-${i.toString(36)}-${(i * 2654435761 % 100000).toString(36)}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: `ns-${i % 10}`,
      uid: `2f1c7a8e-${i.toString(16).padStart(4, '0')}-4b0e-9c4d-5e7f8a9b0c1d`,
      resourceVersion: String(rev),
      creationTimestamp: '2026-11-27T11:44:00Z',
      labels: { app: 'nginx', tier: 'frontend', 'pod-template-hash': '7c5ddbdf54' },
      annotations: { 'kubeedge.io/node': `edge-${i % 100}` },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'nginx-7c5ddbdf54', uid: 'a3c1d7e4-1111-2222-3333-444455556666', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      nodeName: `edge-${i % 100}`,
      containers: [
        {
          name: 'nginx',
          image: 'docker.io/library/nginx:1.25.3',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
          volumeMounts: [{ name: 'kube-api-access-abcde', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      volumes: [{ name: 'kube-api-access-abcde', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }],
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
}

function time(label: string, n: number, fn: () => void): void {
  const t0 = process.hrtime.bigint();
  fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${label}: ${n} in ${ms.toFixed(1)} ms = ${Math.round((n / ms) * 1000)}/s (${((ms * 1000) / n).toFixed(1)} µs each)`);
}

console.log(`value size ${JSON.stringify(pod(1, 1)).length} bytes, checkpoints ${checkpoints}, file ${file}`);
const store = openSqliteStore({ path: file, checkpoints });
let watched = 0;
const handles = Array.from({ length: 1000 }, (_, i) => store.watch(i % 2 === 0 ? '/core/pods/' : `/core/pods/ns-${i % 10}/`, 0, () => void watched++));
time('create', count, () => {
  for (let i = 0; i < count; i++) store.create(`/core/pods/ns-${i % 10}/p-${i}`, (rev) => pod(i, rev));
});
console.log(`heap after creates: ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);
time('update', count, () => {
  for (let i = 0; i < count; i++) store.update(`/core/pods/ns-${i % 10}/p-${i}`, (rev) => pod(i, rev));
});
for (let i = 0; i < 5000; i++) store.create(`/core/configmaps/ns-${i % 10}/c-${i}`, () => ({ data: { i: String(i) } }));
time('list all pods', 10, () => {
  for (let r = 0; r < 10; r++) store.list('/core/pods/');
});
time('list one namespace', 100, () => {
  for (let r = 0; r < 100; r++) store.list('/core/pods/ns-3/');
});
time('page of 500 through all pods', 1, () => {
  let startAfter: string | undefined;
  for (;;) {
    const page = store.list('/core/pods/', startAfter === undefined ? { limit: 500 } : { limit: 500, startAfter });
    const last = page.entries.at(-1);
    if (page.remaining === 0 || last === undefined) break;
    startAfter = last.key;
  }
});
time('filtered page (limit 500)', 10, () => {
  for (let r = 0; r < 10; r++) store.list('/core/pods/', { limit: 500, filter: (e) => e.key.endsWith('7') });
});
time('count one namespace', 10000, () => {
  for (let r = 0; r < 10000; r++) store.count('/core/pods/ns-3/');
});
await new Promise((r) => setImmediate(r));
console.log(`watch deliveries ${watched}`);
{
  // As under the API server: one write per macrotask, so every write gets its own watch flush.
  const t0 = process.hrtime.bigint();
  const before = watched;
  const m = 5000;
  for (let i = 0; i < m; i++) {
    store.create(`/core/pods/ns-${i % 10}/q-${i}`, (rev) => pod(i, rev));
    await new Promise((r) => setImmediate(r));
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`create + flush to 1000 watchers, one per macrotask: ${m} in ${ms.toFixed(1)} ms = ${Math.round((m / ms) * 1000)}/s (${watched - before} deliveries)`);
  for (let i = 0; i < m; i++) store.delete(`/core/pods/ns-${i % 10}/q-${i}`);
}
time('delete', count, () => {
  for (let i = 0; i < count; i++) store.delete(`/core/pods/ns-${i % 10}/p-${i}`);
});
for (const h of handles) h.stop();
store.close();
time('reopen', 1, () => openSqliteStore({ path: file, checkpoints }).close());
fs.rmSync(dir, { recursive: true, force: true });
