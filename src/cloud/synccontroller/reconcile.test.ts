import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectSync } from '../../api/crds/index.js';
import type { KubeObject } from '../../kube/client/index.js';
import { RecentSends, reconcileSync } from './reconcile.js';

const sync = (name: string, kind: string, objName: string, rv: string, namespace = 'ns'): ObjectSync => ({
  kind: 'ObjectSync',
  metadata: { name, namespace },
  spec: { objectAPIVersion: 'v1', objectKind: kind, objectName: objName },
  status: { objectResourceVersion: rv },
});

test('reconcileSync decides drop / delete / update / nothing', () => {
  const objects = new Map<string, KubeObject>([
    ['Pod/p', { metadata: { name: 'p', namespace: 'ns', uid: 'u1', resourceVersion: '20' }, spec: { nodeName: 'n.1' } } as KubeObject],
    ['ConfigMap/c', { metadata: { name: 'c', namespace: 'ns', uid: 'u2', resourceVersion: '5' } }],
  ]);
  const look = { nodeExists: (n: string) => n === 'n.1', object: (kind: string, _ns: string | null, name: string) => objects.get(`${kind}/${name}`), usedOnNode: () => true };
  assert.equal(reconcileSync(sync('gone.u1', 'Pod', 'p', '1'), look)?.kind, 'drop-sync');
  assert.deepEqual(reconcileSync(sync('n.1.u1', 'Pod', 'p', '20'), look), undefined);
  const upd = reconcileSync(sync('n.1.u1', 'Pod', 'p', '19'), look);
  assert.equal(upd?.kind, 'update');
  assert.equal(upd?.kind === 'update' ? upd.node : '', 'n.1');
  const replaced = reconcileSync(sync('n.1.other', 'ConfigMap', 'c', '5'), look);
  assert.equal(replaced?.kind, 'delete');
  assert.equal(reconcileSync(sync('n.1.u9', 'Secret', 's', '5'), look)?.kind, 'delete');
  assert.equal(reconcileSync(sync('n.1.u9', 'Widget', 'w', '5'), look), undefined);
});

test('a ConfigMap / Secret that exists but no pod on the node uses is deleted (unassign), never updated', () => {
  const objects = new Map<string, KubeObject>([
    ['ConfigMap/c', { metadata: { name: 'c', namespace: 'ns', uid: 'u2', resourceVersion: '9' } }],
    ['Secret/s', { metadata: { name: 's', namespace: 'ns', uid: 'u3', resourceVersion: '9' } }],
  ]);
  const used = new Set<string>(['Secret/ns/s@n.1']);
  const look = {
    nodeExists: () => true,
    object: (kind: string, _ns: string | null, name: string) => objects.get(`${kind}/${name}`),
    usedOnNode: (kind: string, ns: string, name: string, node: string) => used.has(`${kind}/${ns}/${name}@${node}`),
  };
  for (const acked of ['5', '9']) {
    const a = reconcileSync(sync('n.1.u2', 'ConfigMap', 'c', acked), look);
    assert.equal(a?.kind, 'delete', `acked ${acked}`);
    assert.equal(a?.kind === 'delete' ? a.unassign : undefined, true);
    assert.equal(a?.kind === 'delete' ? a.object.metadata?.resourceVersion : '', '9');
  }
  assert.equal(reconcileSync(sync('n.1.u3', 'Secret', 's', '5'), look)?.kind, 'update', 'still used: updated');
  assert.equal(reconcileSync(sync('n.1.u3', 'Secret', 's', '9'), look), undefined);
});

test('RecentSends forgets after its window', () => {
  let now = 1000;
  const r = new RecentSends(30_000, () => now);
  r.add('k');
  assert.equal(r.has('k'), true);
  now += 29_999;
  assert.equal(r.has('k'), true);
  now += 1;
  assert.equal(r.has('k'), false);
  r.prune();
  assert.equal(r.size, 0);
});
