import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeEdgeMessage } from '../../api/index.js';
import { Router, createRuntime, type Module } from '../../beehive/index.js';
import { silentLogger } from '../../platform/log/index.js';
import type { EdgeModuleDeps } from '../common/index.js';
import { createMetaManagerModule } from './index.js';
import { cloudMessage, edgeDeps, podObject, probe, settle, tempEdgeDir, waitFor, type Probe } from './test-util.js';

interface Rig {
  deps: EdgeModuleDeps;
  hub: Probe;
  /** Messages edged received (empty when edged does not read its inbox). */
  edged: KubeEdgeMessage[];
  down(msg: KubeEdgeMessage): void;
  acks(): KubeEdgeMessage[];
}

/** metamanager between a recording hub and an edged that reads its inbox, or never does (`deafEdged`). */
async function rig(t: { after(fn: () => Promise<void> | void): void }, opts: { capacity?: number; deafEdged?: boolean } = {}): Promise<Rig> {
  const tmp = tempEdgeDir();
  const deps = edgeDeps(tmp.dbPath);
  const hub = probe('websocket', 'hub');
  const edgedProbe = probe('edged', 'edged');
  const deaf: Module<KubeEdgeMessage> = { name: 'edged', group: 'edged', start: () => Promise.resolve(), stop: () => Promise.resolve() };
  const log = silentLogger();
  const router = opts.capacity === undefined ? undefined : new Router<KubeEdgeMessage>({ capacity: opts.capacity });
  const runtime = createRuntime<KubeEdgeMessage>({
    modules: [hub.module, createMetaManagerModule(deps), opts.deafEdged === true ? deaf : edgedProbe.module],
    log,
    ...(router === undefined ? {} : { router }),
  });
  await runtime.start();
  t.after(async () => {
    await runtime.stop();
    deps.db.close();
    tmp.cleanup();
  });
  return {
    deps,
    hub,
    edged: edgedProbe.received,
    down: (msg) => void hub.ctx().sendToGroup('meta', msg),
    acks: () => hub.received.filter((m) => m.route.operation === 'response' && m.content === 'OK'),
  };
}

const uidIn = (r: Rig, key: string): string | undefined => {
  const row = r.deps.db.meta.get(key);
  return row === undefined ? undefined : (JSON.parse(row.value) as { metadata: { uid?: string } }).metadata.uid;
};

const configMap = (name: string, uid: string | undefined, resourceVersion = '5'): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', resourceVersion, ...(uid === undefined ? {} : { uid }) },
  data: { a: uid ?? 'none' },
});

test('a delete of another incarnation keeps the stored object for every type, and is still ACKed', async (t) => {
  const r = await rig(t);
  r.down(cloudMessage('insert', 'default/configmap/cm', configMap('cm', 'uid-new')));
  r.down(cloudMessage('insert', 'default/secret/s', { kind: 'Secret', metadata: { name: 's', namespace: 'default', uid: 'sec-new' } }));
  await waitFor('insert ACKs', () => r.acks().length === 2);
  r.down(cloudMessage('delete', 'default/configmap/cm', configMap('cm', 'uid-old')));
  r.down(cloudMessage('delete', 'default/secret/s', { kind: 'Secret', metadata: { name: 's', namespace: 'default', uid: 'sec-old' } }));
  await waitFor('stale delete ACKs', () => r.acks().length === 4);
  assert.equal(uidIn(r, 'default/configmap/cm'), 'uid-new');
  assert.equal(uidIn(r, 'default/secret/s'), 'sec-new');
  assert.equal(r.edged.filter((m) => m.route.operation === 'delete').length, 0, 'a stale delete is not forwarded');
  r.down(cloudMessage('delete', 'default/configmap/cm', configMap('cm', 'uid-new')));
  r.down(cloudMessage('delete', 'default/secret/s', { kind: 'Secret', metadata: { name: 's', namespace: 'default' } }));
  await waitFor('delete ACKs', () => r.acks().length === 6);
  assert.equal(r.deps.db.meta.get('default/configmap/cm'), undefined, 'same UID deletes');
  assert.equal(r.deps.db.meta.get('default/secret/s'), undefined, 'no UID in the delete deletes');
});

test('a late resend of an older incarnation does not overwrite the newer one; a newer resource version does', async (t) => {
  const r = await rig(t);
  r.down(cloudMessage('insert', 'default/pod/web', podObject('web', 'uid-new'), '20'));
  await waitFor('insert ACK', () => r.acks().length === 1);
  // podObject's metadata.resourceVersion is "10"; the old incarnation's late resend carries 9.
  const stale = cloudMessage('update', 'default/pod/web', podObject('web', 'uid-old'), '9');
  r.down(stale);
  await waitFor('stale ACK', () => r.acks().length === 2);
  assert.equal(r.acks()[1]?.header.parent_msg_id, stale.header.msg_id, 'the stale message is ACKed');
  assert.equal(uidIn(r, 'default/pod/web'), 'uid-new');
  assert.equal(r.edged.some((m) => m.header.msg_id === stale.header.msg_id), false, 'a stale object is not forwarded');
  const equal = cloudMessage('insert', 'default/pod/web', podObject('web', 'uid-old'), '10');
  r.down(equal);
  await waitFor('equal ACK', () => r.acks().length === 3);
  assert.equal(uidIn(r, 'default/pod/web'), 'uid-new', 'an equal resource version does not win');
  const unnumbered = cloudMessage('insert', 'default/pod/web', podObject('web', 'uid-old'), '');
  r.down(unnumbered);
  await waitFor('unnumbered ACK', () => r.acks().length === 4);
  assert.equal(uidIn(r, 'default/pod/web'), 'uid-new', 'no resource version does not win');
  const newer = cloudMessage('insert', 'default/pod/web', podObject('web', 'uid-next'), '100000000000000000000');
  r.down(newer);
  await waitFor('newer ACK', () => r.acks().length === 5);
  assert.equal(uidIn(r, 'default/pod/web'), 'uid-next', 'a greater resource version (compared as a big integer) wins');
  assert.ok(r.edged.some((m) => m.header.msg_id === newer.header.msg_id));
  r.down(cloudMessage('update', 'default/pod/web', podObject('web', 'uid-next'), '3'));
  await waitFor('same-UID ACK', () => r.acks().length === 6);
  assert.equal(uidIn(r, 'default/pod/web'), 'uid-next', 'the same UID updates as before');
});

test('an object edged cannot take (inbox full) is stored but not ACKed, and counted', async (t) => {
  const r = await rig(t, { capacity: 1, deafEdged: true });
  const first = cloudMessage('insert', 'default/pod/a', podObject('a', 'ua'));
  r.down(first);
  await waitFor('first ACK', () => r.acks().length === 1);
  const second = cloudMessage('insert', 'default/pod/b', podObject('b', 'ub'));
  r.down(second);
  const failures = (): number => r.deps.metrics.counter('kubeedge_metamanager_forward_failures_total', '').total();
  await waitFor('forward failure counted', () => failures() === 1);
  await settle();
  assert.equal(r.acks().length, 1, 'no ACK: the cloud resends');
  assert.equal(r.acks().some((m) => m.header.parent_msg_id === second.header.msg_id), false);
  assert.ok(r.deps.db.meta.get('default/pod/b') !== undefined, 'stored all the same');
  // Types edged does not consume are ACKed as before.
  r.down(cloudMessage('insert', 'default/service/svc', { kind: 'Service', metadata: { name: 'svc', namespace: 'default', uid: 'us' } }));
  await waitFor('service ACK', () => r.acks().length === 2);
});
