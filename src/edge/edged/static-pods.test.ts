import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStaticPod, readStaticPods, staticPodFrom } from './static-pods.js';

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: kube-system
spec:
  containers:
    - name: c
      image: busybox
      command: [sleep, "1000"]
`;

test('a manifest becomes a pod of this node with a content-derived UID', () => {
  const a = staticPodFrom(MANIFEST, 'agent.yaml', 'edge-1');
  assert.equal(a.metadata?.name, 'agent-edge-1');
  assert.equal(a.metadata?.namespace, 'kube-system');
  assert.equal(a.spec?.nodeName, 'edge-1');
  assert.match(a.metadata?.uid ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.ok(isStaticPod(a));
  assert.equal(staticPodFrom(MANIFEST, 'agent.yaml', 'edge-1').metadata?.uid, a.metadata?.uid, 'same file, same UID');
  assert.notEqual(staticPodFrom(MANIFEST.replace('1000', '2000'), 'agent.yaml', 'edge-1').metadata?.uid, a.metadata?.uid, 'edited file, new UID');
  assert.notEqual(staticPodFrom(MANIFEST, 'agent.yaml', 'edge-2').metadata?.uid, a.metadata?.uid, 'other node, other UID');
});

test('the folder: manifests read, bad files rejected with a reason, a missing folder is empty', () => {
  const dir = mkdtempSync(join(tmpdir(), 'static-pods-'));
  try {
    writeFileSync(join(dir, 'agent.yaml'), MANIFEST);
    writeFileSync(join(dir, 'json.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j' }, spec: { containers: [{ name: 'c', image: 'x' }] } }));
    writeFileSync(join(dir, 'broken.yaml'), 'kind: [');
    writeFileSync(join(dir, 'deploy.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n');
    writeFileSync(join(dir, 'nocontainers.yml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: e}\nspec: {}\n');
    writeFileSync(join(dir, 'README.txt'), 'not a manifest');
    const r = readStaticPods(dir, 'n1');
    assert.deepEqual(r.pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort(), ['default/j-n1', 'kube-system/agent-n1']);
    assert.deepEqual(r.rejected.map((x) => x.file.split('/').at(-1)).sort(), ['broken.yaml', 'deploy.yaml', 'nocontainers.yml']);
    assert.deepEqual(readStaticPods(join(dir, 'missing'), 'n1'), { pods: [], rejected: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
