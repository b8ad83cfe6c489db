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
  const look = { nodeExists: (n: string) => n === 'n.1', object: (kind: string, _ns: string | null, name: string) => objects.get(`${kind}/${name}`) };
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
