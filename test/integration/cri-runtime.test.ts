// edged's `cri` pod runtime on a real containerd (private instance and registry from the harness):
// a busybox httpd pod with a ConfigMap volume and an env from a Secret (GET the pod IP, ExecSync the
// env, the ConfigMap changed in place), restart after its process is killed, liveness and readiness
// probes, CrashLoopBackOff, re-adoption by a new runtime instance, removeOrphans and killPod. And a
// CRI runtime that refuses sandboxes and then dies (syncPod never throws, onChange fires).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { isKeError, systemClock } from '../../src/base/index.js';
import { CriRuntimeErrorCode, createCriRuntime, type CriRuntimeOptions } from '../../src/edge/edged/cri-runtime/index.js';
import { testRuntimeOptions } from '../../src/edge/edged/cri-runtime/test-fixtures.js';
import type { ContainerStatusReport, PodRuntime } from '../../src/edge/edged/runtime.js';
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '../../src/kube/client/index.js';
import { IMAGE_SERVICE, RUNTIME_SERVICE, criService } from '../../src/platform/cri/proto.js';
import { createCriClient, type CriClient } from '../../src/platform/cri/client.js';
import { silentLogger } from '../../src/platform/log/index.js';
import { requireContainerd, startContainerd, tempDir, waitUntil, type ContainerdHandle } from '../harness/index.js';

const check = await requireContainerd();

const WAIT = { timeoutMs: 60_000, intervalMs: 50 };

async function get(url: string): Promise<string | undefined> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}

function containerOf(rt: PodRuntime, pod: V1Pod, name: string): ContainerStatusReport | undefined {
  const s = rt.podStatus(pod);
  return [...(s?.containers ?? []), ...(s?.initContainers ?? [])].find((c) => c.name === name);
}

const idOf = (c: ContainerStatusReport | undefined): string => (c?.containerID ?? '').replace(/^containerd:\/\//, '');

describe('cri runtime on a failing CRI runtime (in-test gRPC server, same api.proto)', () => {
  it('a runtime that refuses sandboxes, then dies: the pod waits with the reason, onChange fires, nothing throws', async () => {
    const dir = await tempDir({ prefix: 'cri-runtime-fault' });
    const sock = path.join(dir, 'cri.sock');
    const server = new grpc.Server();
    const unary =
      (fn: () => object): grpc.handleUnaryCall<object, object> =>
      (_call, cb) =>
        cb(null, fn());
    server.addService(criService(RUNTIME_SERVICE), {
      Version: unary(() => ({ version: 'v1', runtimeName: 'fake', runtimeVersion: '9.9', runtimeApiVersion: 'v1' })),
      ListPodSandbox: unary(() => ({ items: [] })),
      ListContainers: unary(() => ({ containers: [] })),
    });
    server.addService(criService(IMAGE_SERVICE), {});
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    const rt = createCriRuntime(testRuntimeOptions(dir, `unix://${sock}`));
    try {
      await rt.start();
      assert.equal(rt.version(), 'fake://9.9');
      const pod: V1Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u-1' }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
      await rt.syncPod(pod);
      const c = rt.podStatus(pod)?.containers[0];
      assert.ok(c !== undefined && 'waiting' in c.state && c.state.waiting.reason === 'ContainerCreating', JSON.stringify(c));
      assert.match(c.state.waiting.message ?? '', /sandbox/);
      assert.equal(rt.podStatus(pod)?.phase, 'Pending');

      const changed = new Promise<string>((resolve) => rt.onChange(resolve));
      server.forceShutdown();
      assert.equal(await changed, 'u-1', 'the pod is reported again when the runtime goes away');
      await rt.syncPod(pod);
      assert.equal(rt.podStatus(pod)?.phase, 'Pending');
    } finally {
      await rt.stop();
      server.forceShutdown();
    }
  });
});

/** An in-test CRI server (same api.proto) answering with `handlers`; a handler that throws fails the call; calls counted by method. */
async function fakeCri(dir: string, handlers: Record<string, () => object>): Promise<{ endpoint: string; calls: Map<string, number>; close(): void }> {
  const sock = path.join(dir, 'cri.sock');
  const calls = new Map<string, number>();
  const server = new grpc.Server();
  const impl = (names: string[]): grpc.UntypedServiceImplementation =>
    Object.fromEntries(
      names.map((name) => [
        name,
        ((_call, cb) => {
          calls.set(name, (calls.get(name) ?? 0) + 1);
          const h = handlers[name];
          try {
            if (h === undefined) throw new Error(`${name} not served`);
            cb(null, h());
          } catch (err) {
            cb({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) }, null);
          }
        }) satisfies grpc.handleUnaryCall<object, object>,
      ]),
    );
  const runtimeMethods = ['Version', 'RunPodSandbox', 'StopPodSandbox', 'RemovePodSandbox', 'PodSandboxStatus', 'ListPodSandbox', 'CreateContainer', 'StartContainer', 'StopContainer', 'RemoveContainer', 'ListContainers', 'ContainerStatus', 'ExecSync'];
  server.addService(criService(RUNTIME_SERVICE), impl(runtimeMethods));
  server.addService(criService(IMAGE_SERVICE), impl(['ListImages', 'ImageStatus', 'PullImage', 'RemoveImage', 'ImageFsInfo']));
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return { endpoint: `unix://${sock}`, calls, close: () => server.forceShutdown() };
}

/** A pod already running on the fake runtime: sandbox sb-1 (10.1.2.3) with container c-1 named `c`. */
function runningPodHandlers(uid: string): Record<string, () => object> {
  const labels = { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.pod.name': 'p', 'io.kubernetes.pod.namespace': 'ns' };
  const sandbox = { id: 'sb-1', metadata: { name: 'p', namespace: 'ns', uid, attempt: 0 }, state: 'SANDBOX_READY', createdAt: '1', labels, annotations: {} };
  const container = {
    id: 'c-1',
    podSandboxId: 'sb-1',
    metadata: { name: 'c', attempt: 0 },
    image: { image: 'busybox:1' },
    imageRef: 'sha256:1',
    state: 'CONTAINER_RUNNING',
    createdAt: '2',
    labels: { ...labels, 'io.kubernetes.container.name': 'c', 'kubeedge.io/container-type': 'app' },
    annotations: { 'io.kubernetes.container.restartCount': '0' },
  };
  return {
    Version: () => ({ version: 'v1', runtimeName: 'fake', runtimeVersion: '9.9', runtimeApiVersion: 'v1' }),
    ListPodSandbox: () => ({ items: [sandbox] }),
    PodSandboxStatus: () => ({ status: { ...sandbox, network: { ip: '10.1.2.3' } } }),
    ListContainers: () => ({ containers: [container] }),
    StopContainer: () => ({}),
  };
}

const fakeOptions = (dir: string, endpoint: string, extra: Partial<CriRuntimeOptions> = {}): CriRuntimeOptions => testRuntimeOptions(dir, endpoint, extra);

describe('cri runtime on a fake CRI runtime (in-test gRPC server): adoption and kill edge cases', () => {
  it('a syncPod before start() waits for the first relist and adopts the running pod; a failing ContainerStatus keeps the container', async () => {
    const dir = await tempDir({ prefix: 'cri-runtime-adopt' });
    const uid = 'u-adopt';
    const cri = await fakeCri(dir, runningPodHandlers(uid)); // ContainerStatus is not served: it fails on every relist
    const rt = createCriRuntime(fakeOptions(dir, cri.endpoint));
    try {
      const pod: V1Pod = { metadata: { name: 'p', namespace: 'ns', uid }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
      const early = rt.syncPod(pod);
      await rt.start();
      await early;
      await rt.syncPod(pod);
      assert.equal(cri.calls.get('RunPodSandbox') ?? 0, 0, 'no second sandbox for a pod already running');
      assert.equal(cri.calls.get('CreateContainer') ?? 0, 0, 'no duplicate container');
      assert.ok((cri.calls.get('ContainerStatus') ?? 0) > 0, 'ContainerStatus was asked (and failed)');
      const s = rt.podStatus(pod);
      assert.equal(s?.podIP, '10.1.2.3');
      const c = s?.containers[0];
      assert.ok(c !== undefined && 'running' in c.state, `container reported running from the list: ${JSON.stringify(c)}`);
      assert.equal(idOf(c), 'c-1');
    } finally {
      await rt.stop();
      cri.close();
    }
  });

  it('killPod gives up with KE_EDGED_KILL_TIMEOUT while the runtime fails, keeps retrying, and stops retrying at stop()', async () => {
    const dir = await tempDir({ prefix: 'cri-runtime-kill' });
    const uid = 'u-kill';
    const cri = await fakeCri(dir, {
      ...runningPodHandlers(uid),
      StopPodSandbox: () => {
        throw new Error('sandbox stuck');
      },
    });
    const rt = createCriRuntime(fakeOptions(dir, cri.endpoint, { killTimeoutMs: 300 }));
    const pod: V1Pod = { metadata: { name: 'p', namespace: 'ns', uid }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
    try {
      await rt.start();
      await assert.rejects(rt.killPod(pod, 0), (err: unknown) => isKeError(err) && err.code === CriRuntimeErrorCode.killTimeout);
      assert.ok((cri.calls.get('StopContainer') ?? 0) >= 1, 'the container was stopped');
      await waitUntil(() => (cri.calls.get('StopPodSandbox') ?? 0) >= 2, { ...WAIT, what: 'the kill retried in the background' });
      await assert.rejects(rt.killPod(pod, 0), (err: unknown) => isKeError(err) && err.code === CriRuntimeErrorCode.killTimeout, 'a second killPod joins the same kill');
      // The same UID synced again (a static pod) waits for the kill to end before it runs again.
      let synced = false;
      const sync = rt.syncPod(pod).then(() => void (synced = true));
      const before = cri.calls.get('StopPodSandbox') ?? 0;
      await waitUntil(() => (cri.calls.get('StopPodSandbox') ?? 0) > before, { ...WAIT, what: 'another kill attempt' });
      assert.equal(synced, false, 'syncPod waits while the kill goes on');
      await rt.stop();
      await sync;
      assert.equal(cri.calls.get('RunPodSandbox') ?? 0, 0, 'the pod did not run again after stop()');
      const atStop = cri.calls.get('StopPodSandbox') ?? 0;
      await new Promise((r) => setTimeout(r, 2_500)); // longer than the next retry would wait
      assert.equal(cri.calls.get('StopPodSandbox') ?? 0, atStop, 'no kill attempt after stop()');
    } finally {
      await rt.stop();
      cri.close();
    }
  });
});

describe('cri runtime on a real containerd', { skip: check.skip }, () => {
  let ctd: ContainerdHandle;
  let cri: CriClient;
  let rootDir: string;
  const configMaps = new Map<string, V1ConfigMap>();
  const secrets = new Map<string, V1Secret>();
  const runtimes: PodRuntime[] = [];
  const token = `tok-${randomBytes(4).toString('hex')}`;

  const newRuntime = (): PodRuntime => {
    const opts: CriRuntimeOptions = {
      clock: systemClock,
      log: silentLogger(),
      nodeName: 'edge-1',
      nodeIP: '127.0.0.1',
      rootDir,
      objects: { configMap: (ns, n) => configMaps.get(`${ns}/${n}`), secret: (ns, n) => secrets.get(`${ns}/${n}`) },
      criEndpoint: ctd.endpoint,
      podSandboxImage: ctd.pauseImage,
      imageGcHighPercent: 85,
      imageGcLowPercent: 80,
      backoff: { initialMs: 1_000, maxMs: 2_000, resetAfterMs: 60_000 },
      relistMs: 200,
      containerGcMs: 300,
    };
    const rt = createCriRuntime(opts);
    runtimes.push(rt);
    return rt;
  };

  const web: V1Pod = { metadata: { name: 'web', namespace: 'default', uid: randomUUID() } };
  const probed: V1Pod = { metadata: { name: 'probed', namespace: 'default', uid: randomUUID() } };
  let rt: PodRuntime;
  let hostDir: string;

  before(async () => {
    ctd = await startContainerd();
    cri = createCriClient(ctd.endpoint, { timeoutMs: 30_000 });
    rootDir = await tempDir({ prefix: 'cri-runtime' });
    hostDir = await tempDir({ prefix: 'cri-runtime-host' });
    configMaps.set('default/site', { metadata: { name: 'site', namespace: 'default' }, data: { 'index.html': 'version one\n' } });
    secrets.set('default/creds', { metadata: { name: 'creds', namespace: 'default' }, data: { token: Buffer.from(token).toString('base64') } });
    const auth = Buffer.from('user:pass').toString('base64');
    const dockerconfig = JSON.stringify({ auths: { [ctd.registry]: { auth } } });
    secrets.set('default/pull', { metadata: { name: 'pull', namespace: 'default' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(dockerconfig).toString('base64') } });
    web.spec = {
      terminationGracePeriodSeconds: 1,
      imagePullSecrets: [{ name: 'pull' }],
      volumes: [
        { name: 'www', configMap: { name: 'site' } },
        { name: 'host', hostPath: { path: hostDir, type: 'Directory' } },
      ],
      containers: [
        {
          name: 'httpd',
          image: ctd.busyboxImage,
          command: ['httpd', '-f', '-p', '80', '-h', '/www'],
          env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }],
          volumeMounts: [
            { name: 'www', mountPath: '/www', readOnly: true },
            { name: 'host', mountPath: '/host' },
          ],
          lifecycle: {
            postStart: { exec: { command: ['sh', '-c', 'echo started >> /host/hooks'] } },
            preStop: { exec: { command: ['sh', '-c', 'echo stopping >> /host/hooks'] } },
          },
          ports: [{ containerPort: 80 }],
          readinessProbe: { httpGet: { path: '/index.html', port: 80 }, periodSeconds: 1 },
        },
      ],
    };
    const sh = (name: string, script: string, extra: Partial<V1Container> = {}): V1Container => ({ name, image: ctd.busyboxImage, command: ['sh', '-c', script], ...extra });
    probed.spec = {
      terminationGracePeriodSeconds: 1,
      initContainers: [sh('setup', 'echo init done')],
      containers: [
        sh('live', 'touch /tmp/alive; exec sleep 3600', {
          livenessProbe: { exec: { command: ['test', '-f', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 1 },
        }),
        sh('ready', 'sleep 1; touch /tmp/ready; exec sleep 3600', {
          startupProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 30 },
          readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
        }),
        sh('crash', 'echo crashing; exit 3'),
        { name: 'never', image: 'nonexistent.invalid/none:1', imagePullPolicy: 'Never' },
        { name: 'missing', image: `${ctd.registry}/kubeedge-test/missing:v1` },
      ],
    };
    rt = newRuntime();
    await rt.start();
  });

  after(async () => {
    for (const r of runtimes) await r.stop();
    cri?.close();
    await ctd?.stop();
  });

  it('runs a pod with a ConfigMap volume and a Secret env: pod IP serves the file, ExecSync shows the env', async () => {
    assert.match(rt.version(), /^containerd:\/\/.+/);
    await rt.syncPod(web);
    const ip = await waitUntil(() => {
      const s = rt.podStatus(web);
      return s?.phase === 'Running' && s.podIP !== '' ? s.podIP : undefined;
    }, { ...WAIT, what: 'web Running with an IP' });
    assert.equal(await waitUntil(() => get(`http://${ip}/index.html`), { ...WAIT, what: 'GET index.html' }), 'version one\n');
    await waitUntil(() => containerOf(rt, web, 'httpd')?.ready, { ...WAIT, what: 'httpd ready' });
    const c = containerOf(rt, web, 'httpd');
    assert.match(c?.imageID ?? '', /sha256:[0-9a-f]{64}$/);
    assert.equal(c?.restartCount, 0);
    const out = await cri.execSync(idOf(c), ['sh', '-c', 'echo "$TOKEN"'], 10);
    assert.equal(out.exitCode, 0);
    assert.equal(out.stdout.toString().trim(), token);
    assert.equal(readFileSync(path.join(hostDir, 'hooks'), 'utf8'), 'started\n', 'postStart ran');
    const images = await rt.images();
    const busybox = images.find((i) => i.names.includes(ctd.busyboxImage));
    assert.ok(busybox !== undefined && busybox.sizeBytes > 0, `images ${JSON.stringify(images)}`);
    const log = rt.containerLogPath(web.metadata?.uid ?? '', 'httpd');
    assert.ok(log !== undefined && log.endsWith(path.join('httpd', '0.log')), `log path ${String(log)}`);
  });

  it('updates the ConfigMap file in place on the next syncPod', async () => {
    const before = idOf(containerOf(rt, web, 'httpd'));
    configMaps.set('default/site', { metadata: { name: 'site', namespace: 'default' }, data: { 'index.html': 'version two\n' } });
    await rt.syncPod(web);
    const ip = rt.podStatus(web)?.podIP ?? '';
    await waitUntil(async () => (await get(`http://${ip}/index.html`)) === 'version two\n', { ...WAIT, what: 'new ConfigMap content' });
    assert.equal(idOf(containerOf(rt, web, 'httpd')), before, 'the container was not restarted');
  });

  it('restarts a container whose process was killed (restartCount 1, lastState terminated)', async () => {
    const before = containerOf(rt, web, 'httpd');
    const st = await cri.containerStatus(idOf(before), true);
    const pid = (JSON.parse(st.info['info'] ?? '{}') as { pid?: number }).pid;
    assert.ok(typeof pid === 'number' && pid > 0, 'container pid');
    process.kill(pid, 'SIGKILL');
    const after = await waitUntil(() => {
      const c = containerOf(rt, web, 'httpd');
      return c?.restartCount === 1 && 'running' in c.state ? c : undefined;
    }, { ...WAIT, what: 'httpd restarted' });
    assert.notEqual(idOf(after), idOf(before));
    assert.ok(after.lastState !== undefined && 'terminated' in after.lastState, 'lastState terminated');
    assert.equal(after.lastState.terminated.exitCode, 137);
    const ip = rt.podStatus(web)?.podIP ?? '';
    assert.equal(await waitUntil(() => get(`http://${ip}/index.html`), { ...WAIT, what: 'GET after restart' }), 'version two\n');
  });

  it('runs init containers first, restarts on liveness failure, turns NotReady on readiness failure, backs off a crashing container', async () => {
    await rt.syncPod(probed);
    await waitUntil(() => {
      const s = rt.podStatus(probed);
      return s?.initialized === true && containerOf(rt, probed, 'live')?.started && containerOf(rt, probed, 'ready')?.ready;
    }, { ...WAIT, what: 'probed pod initialized and ready' });
    assert.equal(containerOf(rt, probed, 'ready')?.started, true, 'startup probe passed');
    const setup = containerOf(rt, probed, 'setup');
    assert.ok(setup !== undefined && 'terminated' in setup.state && setup.state.terminated.reason === 'Completed', `setup ${JSON.stringify(setup)}`);
    const never = await waitUntil(() => {
      const c = containerOf(rt, probed, 'never');
      return c !== undefined && 'waiting' in c.state && c.state.waiting.reason !== 'ContainerCreating' ? c : undefined;
    }, { ...WAIT, what: 'never waiting' });
    assert.ok(never !== undefined && 'waiting' in never.state && never.state.waiting.reason === 'ErrImageNeverPull', `never ${JSON.stringify(never)}`);

    const live = containerOf(rt, probed, 'live');
    await cri.execSync(idOf(live), ['rm', '-f', '/tmp/alive'], 10);
    await waitUntil(() => {
      const c = containerOf(rt, probed, 'live');
      return c !== undefined && c.restartCount >= 1 && 'running' in c.state && idOf(c) !== idOf(live);
    }, { ...WAIT, what: 'live restarted after liveness failure' });

    await cri.execSync(idOf(containerOf(rt, probed, 'ready')), ['rm', '-f', '/tmp/ready'], 10);
    await waitUntil(() => containerOf(rt, probed, 'ready')?.ready === false, { ...WAIT, what: 'ready false' });
    assert.equal(containerOf(rt, probed, 'ready')?.restartCount, 0, 'readiness failure does not restart');

    const backoff = await waitUntil(() => {
      const c = containerOf(rt, probed, 'crash');
      return c !== undefined && 'waiting' in c.state && c.state.waiting.reason === 'CrashLoopBackOff' ? c : undefined;
    }, { ...WAIT, intervalMs: 10, what: 'crash in CrashLoopBackOff' });
    assert.ok(backoff.lastState !== undefined && 'terminated' in backoff.lastState && backoff.lastState.terminated.exitCode === 3);
    assert.ok(backoff.restartCount >= 1);
    assert.equal(rt.podStatus(probed)?.phase, 'Pending', 'a container that cannot start keeps the pod Pending');

    // a pull that fails: ErrImagePull, then ImagePullBackOff on the next sync within the backoff window
    await waitUntil(() => {
      const c = containerOf(rt, probed, 'missing');
      return c !== undefined && 'waiting' in c.state && c.state.waiting.reason === 'ErrImagePull';
    }, { ...WAIT, what: 'missing ErrImagePull' });
    await waitUntil(async () => {
      await rt.syncPod(probed);
      const c = containerOf(rt, probed, 'missing');
      return c !== undefined && 'waiting' in c.state && c.state.waiting.reason === 'ImagePullBackOff';
    }, { ...WAIT, what: 'missing ImagePullBackOff' });

    // dead container GC keeps one exited container of the crash-looping one
    const uid = probed.metadata?.uid ?? '';
    await waitUntil(async () => {
      const crash = (await cri.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': uid, 'io.kubernetes.container.name': 'crash' } })).filter((c) => c.state === 'CONTAINER_EXITED');
      return (containerOf(rt, probed, 'crash')?.restartCount ?? 0) >= 2 && crash.length === 1;
    }, { ...WAIT, what: 'crash restarted twice, one exited container kept' });
  });

  it('a new runtime instance re-adopts running pods without restarting them (also when syncPod comes before start)', async () => {
    const before = containerOf(rt, web, 'httpd');
    const sandboxesBefore = (await cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': web.metadata?.uid ?? '' } })).map((s) => s.id);
    await rt.stop();
    rt = newRuntime();
    const early = rt.syncPod(web);
    await rt.start();
    const adopted = rt.podStatus(web);
    assert.equal(adopted?.phase, 'Running', 'adopted before any syncPod');
    await early;
    const sandboxesAfter = (await cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': web.metadata?.uid ?? '' } })).map((s) => s.id);
    assert.deepEqual(sandboxesAfter, sandboxesBefore, 'no second sandbox');
    await rt.syncPod(web);
    await rt.syncPod(probed);
    await waitUntil(() => containerOf(rt, web, 'httpd')?.ready, { ...WAIT, what: 'httpd ready again' });
    const after = containerOf(rt, web, 'httpd');
    assert.equal(idOf(after), idOf(before));
    assert.equal(after?.restartCount, before?.restartCount);
  });

  it('replaces a container whose spec changed (restartCount up), keeps the others', async () => {
    const before = containerOf(rt, web, 'httpd');
    const httpd = web.spec?.containers[0];
    assert.ok(httpd !== undefined && web.spec !== undefined);
    web.spec = { ...web.spec, containers: [{ ...httpd, env: [...(httpd.env ?? []), { name: 'EXTRA', value: 'yes' }] }] };
    await rt.syncPod(web);
    const after = await waitUntil(() => {
      const c = containerOf(rt, web, 'httpd');
      return c !== undefined && idOf(c) !== idOf(before) && 'running' in c.state ? c : undefined;
    }, { ...WAIT, what: 'httpd replaced' });
    assert.equal(after.restartCount, (before?.restartCount ?? 0) + 1);
    const out = await cri.execSync(idOf(after), ['sh', '-c', 'echo "$EXTRA"'], 10);
    assert.equal(out.stdout.toString().trim(), 'yes');
    await rt.syncPod(web);
    assert.equal(idOf(containerOf(rt, web, 'httpd')), idOf(after), 'a sync with the same spec changes nothing');
  });

  it('runs a host-network pod with the node IP', async () => {
    const hostnet: V1Pod = {
      metadata: { name: 'hostnet', namespace: 'default', uid: randomUUID() },
      spec: { hostNetwork: true, terminationGracePeriodSeconds: 1, containers: [{ name: 'sleep', image: ctd.busyboxImage, command: ['sleep', '3600'] }] },
    };
    await rt.syncPod(hostnet);
    await waitUntil(() => rt.podStatus(hostnet)?.phase === 'Running', { ...WAIT, what: 'hostnet Running' });
    assert.equal(rt.podStatus(hostnet)?.podIP, '127.0.0.1');
    const c = containerOf(rt, hostnet, 'sleep');
    const out = await cri.execSync(idOf(c), ['hostname'], 10);
    assert.equal(out.stdout.toString().trim(), hostname(), 'shares the host UTS namespace');
  });

  it('a finished OnFailure pod is Succeeded, its sandbox stopped, and it is not run again', async () => {
    const job: V1Pod = {
      metadata: { name: 'job', namespace: 'default', uid: randomUUID() },
      spec: { restartPolicy: 'OnFailure', terminationGracePeriodSeconds: 1, containers: [{ name: 'work', image: ctd.busyboxImage, command: ['sh', '-c', 'echo done'] }] },
    };
    await rt.syncPod(job);
    await waitUntil(() => rt.podStatus(job)?.phase === 'Succeeded', { ...WAIT, what: 'job Succeeded' });
    const uid = job.metadata?.uid ?? '';
    await waitUntil(async () => {
      const sbs = await cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid } });
      return sbs.length === 1 && sbs[0]?.state === 'SANDBOX_NOTREADY';
    }, { ...WAIT, what: 'job sandbox stopped' });
    await rt.syncPod(job);
    assert.equal((await cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid } })).length, 1, 'no new sandbox');
    const c = containerOf(rt, job, 'work');
    assert.equal(rt.podStatus(job)?.phase, 'Succeeded');
    assert.ok(c !== undefined && 'terminated' in c.state && c.state.terminated.reason === 'Completed' && c.restartCount === 0);
  });

  it('subPath: a symlink out of the volume and a subPath of .. are CreateContainerConfigError; a missing subPath is created inside', async () => {
    const sh = (name: string, script: string, extra: Partial<V1Container> = {}): V1Container => ({ name, image: ctd.busyboxImage, command: ['sh', '-c', script], ...extra });
    const pod: V1Pod = {
      metadata: { name: 'subpath', namespace: 'default', uid: randomUUID() },
      spec: {
        terminationGracePeriodSeconds: 0,
        volumes: [{ name: 'data', emptyDir: {} }],
        // What a hostile container can do to a volume it writes: symlinks to the host's root.
        initContainers: [sh('plant', 'ln -s / /data/x && ln -s ../../../../../../.. /data/up', { volumeMounts: [{ name: 'data', mountPath: '/data' }] })],
        containers: [
          sh('escape', 'exec sleep 3600', { volumeMounts: [{ name: 'data', mountPath: '/host', subPath: 'x' }] }),
          sh('climb', 'exec sleep 3600', { volumeMounts: [{ name: 'data', mountPath: '/host', subPath: 'up/etc' }] }),
          sh('dots', 'exec sleep 3600', { env: [{ name: 'D', value: '..' }], volumeMounts: [{ name: 'data', mountPath: '/m', subPathExpr: '$(D)' }] }),
          sh('fine', 'echo hi > /m/f; exec sleep 3600', { volumeMounts: [{ name: 'data', mountPath: '/m', subPath: 'new/dir' }] }),
        ],
      },
    };
    await rt.syncPod(pod);
    await waitUntil(() => {
      const c = containerOf(rt, pod, 'fine');
      return c !== undefined && 'running' in c.state;
    }, { ...WAIT, what: 'fine running' });
    const waitingOf = (name: string): { reason?: string; message?: string } | undefined => {
      const c = containerOf(rt, pod, name);
      return c !== undefined && 'waiting' in c.state ? c.state.waiting : undefined;
    };
    for (const name of ['escape', 'climb']) {
      assert.equal(waitingOf(name)?.reason, 'CreateContainerConfigError', name);
      assert.match(waitingOf(name)?.message ?? '', /outside of its volume|leaves its volume/, name);
    }
    assert.equal(waitingOf('dots')?.reason, 'CreateContainerConfigError');
    assert.match(waitingOf('dots')?.message ?? '', /\.\./);
    const uid = pod.metadata?.uid ?? '';
    const names = (await cri.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': uid } })).map((c) => c.metadata?.name ?? '');
    assert.deepEqual(names.sort(), ['fine', 'plant'], 'no container was created for the refused mounts');
    const out = await cri.execSync(idOf(containerOf(rt, pod, 'fine')), ['cat', '/m/f'], 10);
    assert.equal(out.stdout.toString(), 'hi\n');
    await rt.killPod(pod, 0);
  });

  it('security context: runAsUser (pod default), fsGroup, read-only root, drop ALL, no_new_privs, seccomp; runAsNonRoot refuses root', async () => {
    const sh = (name: string, extra: Partial<V1Container> = {}): V1Container => ({ name, image: ctd.busyboxImage, command: ['sh', '-c', 'exec sleep 3600'], ...extra });
    const pod: V1Pod = {
      metadata: { name: 'secure', namespace: 'default', uid: randomUUID() },
      spec: {
        terminationGracePeriodSeconds: 0,
        securityContext: { runAsUser: 1000, fsGroup: 2000 },
        containers: [
          sh('locked', {
            securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
          }),
          sh('root', { securityContext: { runAsNonRoot: true, runAsUser: 0 } }),
        ],
      },
    };
    const rootImage: V1Pod = {
      metadata: { name: 'root-image', namespace: 'default', uid: randomUUID() },
      spec: { terminationGracePeriodSeconds: 0, securityContext: { runAsNonRoot: true }, containers: [sh('img')] },
    };
    await rt.syncPod(pod);
    await rt.syncPod(rootImage);
    const locked = await waitUntil(() => {
      const c = containerOf(rt, pod, 'locked');
      return c !== undefined && 'running' in c.state ? c : undefined;
    }, { ...WAIT, what: 'locked running' });
    const exec = async (cmd: string): Promise<{ code: number; out: string }> => {
      const r = await cri.execSync(idOf(locked), ['sh', '-c', cmd], 10);
      return { code: r.exitCode, out: r.stdout.toString() };
    };
    assert.equal((await exec('id -u')).out.trim(), '1000');
    assert.ok((await exec('id -G')).out.trim().split(' ').includes('2000'), 'fsGroup is a supplemental group');
    assert.notEqual((await exec('touch /x')).code, 0, 'the root filesystem is read-only');
    assert.match((await exec("grep ' / ' /proc/mounts")).out, /\bro\b/, 'mounted read-only');
    const status = (await exec('cat /proc/1/status')).out;
    assert.match(status, /^CapEff:\s+0+$/m, 'no capabilities');
    assert.match(status, /^CapBnd:\s+0+$/m, 'ALL dropped from the bounding set');
    assert.match(status, /^NoNewPrivs:\s+1$/m);
    assert.match(status, /^Seccomp:\s+2$/m, 'RuntimeDefault seccomp filter');

    const waiting = (p: V1Pod, name: string): { reason?: string; message?: string } | undefined => {
      const c = containerOf(rt, p, name);
      return c !== undefined && 'waiting' in c.state ? c.state.waiting : undefined;
    };
    assert.equal(waiting(pod, 'root')?.reason, 'CreateContainerConfigError');
    assert.match(waiting(pod, 'root')?.message ?? '', /runAsUser breaks non-root policy/);
    const img = await waitUntil(() => waiting(rootImage, 'img')?.reason === 'CreateContainerConfigError' ? waiting(rootImage, 'img') : undefined, { ...WAIT, what: 'img refused' });
    assert.match(img.message ?? '', /runAsNonRoot and image will run as root/, 'the image has no user: root');
    const uids = [pod.metadata?.uid ?? '', rootImage.metadata?.uid ?? ''];
    const created = (await Promise.all(uids.map((u) => cri.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': u } })))).flat().map((c) => c.metadata?.name);
    assert.deepEqual(created, ['locked'], 'the refused containers were never created');
    await Promise.all([rt.killPod(pod, 0), rt.killPod(rootImage, 0)]);
  });

  it('a pod killed and synced again with the same UID (a static pod moved out and back) runs again', async () => {
    const pod: V1Pod = {
      metadata: { name: 'static-edge-1', namespace: 'default', uid: randomUUID() },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 's', image: ctd.busyboxImage, command: ['sh', '-c', 'exec sleep 3600'] }] },
    };
    const uid = pod.metadata?.uid ?? '';
    const running = (): ContainerStatusReport | undefined => {
      const c = containerOf(rt, pod, 's');
      return c !== undefined && 'running' in c.state ? c : undefined;
    };
    await rt.syncPod(pod);
    const first = await waitUntil(running, { ...WAIT, what: 'static pod running' });
    // The kill is in progress when the pod comes back: the sync waits for it, then starts afresh.
    const killed = rt.killPod(pod, 0);
    const again = rt.syncPod(pod);
    await killed;
    await again;
    const second = await waitUntil(() => {
      const c = running();
      return c !== undefined && idOf(c) !== idOf(first) ? c : undefined;
    }, { ...WAIT, what: 'static pod running again' });
    assert.equal(second.restartCount, 0, 'a fresh pod');
    const sbs = await cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid } });
    assert.equal(sbs.length, 1, 'the old sandbox is gone, one new one');
    assert.equal(sbs[0]?.state, 'SANDBOX_READY');
    await rt.killPod(pod, 0);
    assert.equal((await cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid } })).length, 0);
  });

  it('removeOrphans kills pods that are not kept; killPod cleans up', async () => {
    const uidOf = (p: V1Pod): string => p.metadata?.uid ?? '';
    const sandboxesOf = async (uid: string): Promise<number> =>
      (await cri.listPodSandbox({ labelSelector: { 'io.kubernetes.pod.uid': uid } })).length;
    assert.ok((await sandboxesOf(uidOf(probed))) > 0);
    await rt.removeOrphans(new Set([uidOf(web)]));
    assert.equal(await sandboxesOf(uidOf(probed)), 0);
    assert.ok((await sandboxesOf(uidOf(web))) > 0);

    await rt.killPod(web, 1);
    assert.equal(await sandboxesOf(uidOf(web)), 0);
    assert.equal((await cri.listContainers({ labelSelector: { 'io.kubernetes.pod.uid': uidOf(web) } })).length, 0);
    assert.equal(existsSync(path.join(rootDir, 'pods', uidOf(web))), false, 'pod dir removed');
    assert.match(readFileSync(path.join(hostDir, 'hooks'), 'utf8'), /stopping\n$/, 'preStop ran');
    const final = rt.podStatus(web);
    const c = final?.containers[0];
    assert.ok(c !== undefined && 'terminated' in c.state, 'final status terminated');
  });
});
