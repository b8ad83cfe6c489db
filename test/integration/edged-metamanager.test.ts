import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { responseTo, type KubeEdgeMessage } from '../../src/api/index.js';
import { createFakeClock, createRuntime, type FakeClock } from '../../src/beehive/index.js';
import { silentLogger } from '../../src/platform/log/index.js';
import type { EdgeModuleDeps } from '../../src/edge/common/index.js';
// edged with the real metamanager next to it, as edgecore runs them (modules never import each other, so
// this test lives outside src/edge).
import { createEdgedModule, KUBELET_VERSION, type HostInfo } from '../../src/edge/edged/index.js';
import { createMetaManagerModule } from '../../src/edge/metamanager/index.js';
import { cloudMessage, connectionMessage, edgeDeps, podObject, probe, tempEdgeDir, waitFor, type Probe } from '../../src/edge/metamanager/test-util.js';

const HOST: HostInfo = {
  hostname: 'host-a',
  ipv4: '192.0.2.10',
  cpus: 4,
  memoryBytes: 8 * 1024 * 1024 * 1024,
  ephemeralStorageBytes: 100 * 1024 * 1024 * 1024,
  ephemeralStorageAvailableBytes: 60 * 1024 * 1024 * 1024,
  memoryAvailableBytes: 6 * 1024 * 1024 * 1024,
  pidMax: 4_194_304,
  pidCount: 120,
  machineID: 'machine-a',
  bootID: 'boot-a',
  systemUUID: 'uuid-a',
  architecture: 'amd64',
  operatingSystem: 'linux',
  kernelVersion: '6.1.0-test',
  osImage: 'Test Linux',
};
const START = Date.UTC(2026, 10, 27, 10, 0, 0);

interface PodPatchBody {
  metadata: { uid: string };
  status: {
    phase: string;
    startTime: string;
    podIP?: string;
    hostIP: string;
    conditions: { type: string; status: string }[];
    containerStatuses: { name: string; containerID: string; ready: boolean; state: { running?: { startedAt: string }; terminated?: { exitCode: number } } }[];
  };
}

interface EdgeRig {
  deps: EdgeModuleDeps;
  hub: Probe;
  clock: FakeClock;
  connect(state: 'connected' | 'disconnected'): void;
  down(msg: KubeEdgeMessage): void;
  stop(): Promise<void>;
  sent(op: string, resourcePrefix: string): KubeEdgeMessage[];
  podPatches(name: string): PodPatchBody[];
}

let nodeSeq = 0;

/** The "cloud" behind the hub probe: answers node, lease and pod-delete calls as cloudcore does. */
function cloud(msg: KubeEdgeMessage): KubeEdgeMessage | undefined {
  const { operation: op, resource } = msg.route;
  const resp = (content: unknown): KubeEdgeMessage => responseTo(msg, content, { source: 'edgecontroller', group: 'resource' });
  if (resource.startsWith('default/node/') && op === 'insert') {
    return resp({ Object: { ...(msg.content as object), metadata: { name: 'edge-1', uid: `node-uid-${++nodeSeq}` } }, Err: null });
  }
  if (resource.startsWith('kube-node-lease/lease/')) {
    if (op === 'query') {
      return resp({ Object: null, Err: { ErrStatus: { status: 'Failure', reason: 'NotFound', code: 404, message: 'leases "edge-1" not found' } } });
    }
    return resp({ Object: msg.content, Err: null });
  }
  if (resource.startsWith('default/pod/') && op === 'delete') return resp('OK');
  return undefined;
}

async function edgeRig(t: { after(fn: () => Promise<void> | void): void }, dbPath: string, clock: FakeClock, runtimeType: 'hollow' | 'cri' = 'hollow'): Promise<EdgeRig> {
  // cri: a socket where nothing listens (the runtime stays down).
  const kubelet = { containerRuntimeEndpoint: `unix://${path.join(path.dirname(dbPath), 'nothing.sock')}` };
  const deps = edgeDeps(dbPath, (c) => ({
    ...c,
    modules: { ...c.modules, edged: { ...c.modules.edged, runtimeType, nodeLabels: { zone: 'a' }, tailoredKubeletConfig: { ...c.modules.edged.tailoredKubeletConfig, ...kubelet } } },
  }));
  const hub = probe('websocket', 'hub', (msg, ctx) => {
    const out = cloud(msg);
    if (out !== undefined) ctx.respond(out);
  });
  const runtime = createRuntime<KubeEdgeMessage>({
    modules: [hub.module, createMetaManagerModule(deps), createEdgedModule(deps, { clock, hostInfo: () => HOST })],
    log: silentLogger(),
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await runtime.stop();
    deps.db.close();
  };
  t.after(stop);
  await runtime.start();
  const connect = (state: 'connected' | 'disconnected'): void => {
    hub.ctx().sendToGroup('meta', connectionMessage(state));
    hub.ctx().sendToGroup('edged', connectionMessage(state));
  };
  return {
    deps,
    hub,
    clock,
    connect,
    down: (msg) => void hub.ctx().sendToGroup('meta', msg),
    stop,
    sent: (op, prefix) => hub.received.filter((m) => m.route.operation === op && m.route.resource.startsWith(prefix)),
    podPatches: (name) =>
      hub.received.filter((m) => m.route.operation === 'patch' && m.route.resource === `default/podpatch/${name}`).map((m) => {
        assert.equal(typeof m.content, 'string', 'podpatch content is a patch string');
        return JSON.parse(m.content as string) as PodPatchBody;
      }),
  };
}

test('edged registers the node once connected, creates the lease, renews it compactly and reports node status', async (t) => {
  const tmp = tempEdgeDir();
  t.after(() => tmp.cleanup());
  const r = await edgeRig(t, tmp.dbPath, createFakeClock(START));
  r.connect('connected');
  const insert = await waitFor('node insert reached the cloud', () => r.sent('insert', 'default/node/edge-1')[0]);
  const node = insert.content as { metadata: { labels: Record<string, string> }; status: Record<string, unknown> };
  assert.equal(insert.route.source, 'edged');
  assert.equal(insert.route.group, 'meta');
  assert.equal(node.metadata.labels['node-role.kubernetes.io/edge'], '');
  assert.equal(node.metadata.labels['node-role.kubernetes.io/agent'], '');
  assert.equal(node.metadata.labels['kubernetes.io/hostname'], 'edge-1');
  assert.equal(node.metadata.labels['kubernetes.io/arch'], 'amd64');
  assert.equal(node.metadata.labels['zone'], 'a');
  assert.deepEqual(node.status['capacity'], { cpu: '4', memory: '8388608Ki', pods: '110', 'ephemeral-storage': '104857600Ki' });
  assert.deepEqual(node.status['addresses'], [
    { type: 'InternalIP', address: '192.0.2.10' },
    { type: 'Hostname', address: 'edge-1' },
  ]);
  assert.equal((node.status['nodeInfo'] as { kubeletVersion: string }).kubeletVersion, KUBELET_VERSION);
  assert.equal((node.status['nodeInfo'] as { containerRuntimeVersion: string }).containerRuntimeVersion, 'hollow://0.1.0');

  await waitFor('lease query and insert', () => r.sent('query', 'kube-node-lease/lease/edge-1').length === 1 && r.sent('insert', 'kube-node-lease/').length === 1);
  const nodePatch = await waitFor('node status', () => r.sent('patch', 'default/nodepatch/edge-1')[0]);
  const body = JSON.parse(nodePatch.content as string) as { status: { conditions: { type: string; status: string; reason: string; lastHeartbeatTime?: string }[] } };
  const ready = body.status.conditions.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True');
  assert.equal(ready?.reason, 'EdgeReady');
  assert.equal(ready?.lastHeartbeatTime, undefined, 'no heartbeat outside the periodic report');

  await r.clock.advance(10_000);
  const update = await waitFor('lease renewal', () => r.sent('update', 'kube-node-lease/lease/edge-1')[0]);
  const lease = update.content as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  assert.deepEqual(Object.keys(lease).sort(), ['metadata', 'spec']);
  assert.deepEqual(lease.metadata, { name: 'edge-1', namespace: 'kube-node-lease' });
  assert.equal(lease.spec['holderIdentity'], 'edge-1');
  assert.equal(lease.spec['leaseDurationSeconds'], 40);
  assert.match(String(lease.spec['renewTime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

  const before = r.sent('patch', 'default/nodepatch/').length;
  await r.clock.advance(300_000);
  const periodic = await waitFor('periodic node status', () => r.sent('patch', 'default/nodepatch/')[before]);
  const pb = JSON.parse(periodic.content as string) as { status: { conditions: { lastHeartbeatTime?: string }[] } };
  assert.ok(pb.status.conditions.every((c) => typeof c.lastHeartbeatTime === 'string'));
});

test('a bound pod is reported Running with a patch string, also while offline; a pod of another node is not', async (t) => {
  const tmp = tempEdgeDir();
  t.after(() => tmp.cleanup());
  const r = await edgeRig(t, tmp.dbPath, createFakeClock(START));
  r.down(cloudMessage('insert', 'default/pod/web', podObject('web', 'uid-web')));
  r.down(cloudMessage('insert', 'default/pod/elsewhere', podObject('elsewhere', 'uid-x', 'edge-2')));
  const patch = await waitFor('pod status', () => r.podPatches('web')[0]);
  assert.equal(patch.metadata.uid, 'uid-web');
  assert.equal(patch.status.phase, 'Running');
  assert.equal(patch.status.hostIP, '192.0.2.10');
  assert.equal(patch.status.podIP, '192.0.2.10');
  assert.equal(patch.status.startTime, '2026-11-27T10:00:00Z');
  assert.deepEqual(patch.status.conditions.map((c) => `${c.type}=${c.status}`), ['PodScheduled=True', 'Initialized=True', 'ContainersReady=True', 'Ready=True']);
  const c = patch.status.containerStatuses[0];
  assert.equal(c?.containerID, 'hollow://uid-web/c1');
  assert.equal(c?.ready, true);
  assert.equal(c?.state.running?.startedAt, '2026-11-27T10:00:00Z');
  assert.ok(r.deps.db.meta.get('default/podpatch/web') !== undefined, 'the report is stored');
  assert.equal(r.podPatches('elsewhere').length, 0);
});

test('a Failed-outcome pod runs run-ms and ends Failed', async (t) => {
  const tmp = tempEdgeDir();
  t.after(() => tmp.cleanup());
  const r = await edgeRig(t, tmp.dbPath, createFakeClock(START));
  const pod = podObject('job', 'uid-job', 'edge-1', { restartPolicy: 'Never', annotations: { 'hollow.kubeedge.io/outcome': 'Failed', 'hollow.kubeedge.io/run-ms': '5000' } });
  r.down(cloudMessage('insert', 'default/pod/job', pod));
  await waitFor('Running', () => r.podPatches('job')[0]?.status.phase === 'Running');
  await r.clock.advance(5_000);
  const failed = await waitFor('Failed', () => r.podPatches('job').find((p) => p.status.phase === 'Failed'));
  assert.equal(failed.status.containerStatuses[0]?.state.terminated?.exitCode, 1);
  assert.equal(failed.status.conditions.find((c) => c.type === 'Ready')?.status, 'False');
});

test('graceful delete: killed, reported, then confirmed with a UID precondition (retried until online)', async (t) => {
  const tmp = tempEdgeDir();
  t.after(() => tmp.cleanup());
  const r = await edgeRig(t, tmp.dbPath, createFakeClock(START));
  const pod = podObject('web', 'uid-web');
  r.down(cloudMessage('insert', 'default/pod/web', pod));
  await waitFor('Running', () => r.podPatches('web')[0]);
  const meta = pod['metadata'] as Record<string, unknown>;
  r.down(cloudMessage('update', 'default/pod/web', { ...pod, metadata: { ...meta, deletionTimestamp: '2026-11-27T10:00:30Z', deletionGracePeriodSeconds: 5 } }, '11'));
  await waitFor('terminated report', () => r.podPatches('web').find((p) => p.status.containerStatuses[0]?.state.terminated !== undefined));
  assert.equal(r.sent('delete', 'default/pod/web').length, 0, 'offline: not sent yet');
  r.connect('connected');
  const del = await waitFor('delete confirmation', () => r.sent('delete', 'default/pod/web')[0]);
  assert.deepEqual(del.content, { gracePeriodSeconds: 0, preconditions: { uid: 'uid-web' } });
});

test('an edgecore restart reports the same startTime for an unchanged pod', async (t) => {
  const tmp = tempEdgeDir();
  t.after(() => tmp.cleanup());
  const clock = createFakeClock(START);
  const first = await edgeRig(t, tmp.dbPath, clock);
  const pod = podObject('web', 'uid-web');
  first.down(cloudMessage('insert', 'default/pod/web', pod));
  const p1 = await waitFor('Running', () => first.podPatches('web')[0]);
  await first.stop();

  await clock.advance(60_000);
  const second = await edgeRig(t, tmp.dbPath, clock);
  // No report is needed for an unchanged pod; make it change to see what the restarted edged says.
  const meta = pod['metadata'] as Record<string, unknown>;
  second.down(cloudMessage('update', 'default/pod/web', { ...pod, metadata: { ...meta, deletionTimestamp: '2026-11-27T10:02:00Z', deletionGracePeriodSeconds: 0 } }, '12'));
  const p2 = await waitFor('report after restart', () => second.podPatches('web').at(-1));
  for (const p of second.podPatches('web')) assert.equal(p.status.startTime, p1.status.startTime);
  assert.equal(p2.status.containerStatuses[0]?.state.terminated !== undefined, true);
});

test('with the CRI runtime down, the node still registers, NotReady because the container runtime is down', async (t) => {
  const tmp = tempEdgeDir();
  t.after(() => tmp.cleanup());
  const r = await edgeRig(t, tmp.dbPath, createFakeClock(START), 'cri');
  r.connect('connected');
  await r.clock.advance(2_000);
  const insert = await waitFor('node insert reached the cloud', () => r.sent('insert', 'default/node/edge-1')[0]);
  const node = insert.content as { status: { conditions: { type: string; status: string; reason: string; message: string }[]; nodeInfo: { containerRuntimeVersion: string } } };
  const ready = node.status.conditions.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'KubeletNotReady');
  assert.equal(ready?.message, 'container runtime is down');
  assert.equal(node.status.nodeInfo.containerRuntimeVersion, '');
});

test('a Node from the cloud that is not Ready makes edged report its status at once', async (t) => {
  const tmp = tempEdgeDir();
  t.after(() => tmp.cleanup());
  const r = await edgeRig(t, tmp.dbPath, createFakeClock(START));
  r.connect('connected');
  await waitFor('node status', () => r.sent('patch', 'default/nodepatch/edge-1')[0]);
  const before = r.sent('patch', 'default/nodepatch/').length;
  const cloudNode = (status: string): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'edge-1', uid: 'node-uid', resourceVersion: '50' },
    status: { conditions: [{ type: 'Ready', status }] },
  });
  r.down(cloudMessage('update', 'null/node/edge-1', cloudNode('True'), '50'));
  r.down(cloudMessage('update', 'null/node/edge-1', cloudNode('Unknown'), '51'));
  const again = await waitFor('status re-reported', () => r.sent('patch', 'default/nodepatch/')[before]);
  const body = JSON.parse(again.content as string) as { status: { conditions: { type: string; status: string; lastHeartbeatTime?: string }[] } };
  const ready = body.status.conditions.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'True');
  assert.equal(typeof ready?.lastHeartbeatTime, 'string');
  assert.equal(r.sent('patch', 'default/nodepatch/').length, before + 1, 'a Ready node from the cloud triggers nothing');
});
