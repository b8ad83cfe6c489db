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
import { systemClock } from '../../src/base/index.js';
import { createCriRuntime, type CriRuntimeOptions } from '../../src/edge/edged/cri-runtime/index.js';
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
    const rt = createCriRuntime({
      clock: systemClock,
      log: silentLogger(),
      nodeName: 'n',
      nodeIP: '127.0.0.1',
      rootDir: dir,
      objects: { configMap: () => undefined, secret: () => undefined },
      criEndpoint: `unix://${sock}`,
      podSandboxImage: '',
      imageGcHighPercent: 85,
      imageGcLowPercent: 80,
      relistMs: 50,
    });
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

  it('a new runtime instance re-adopts running pods without restarting them', async () => {
    const before = containerOf(rt, web, 'httpd');
    await rt.stop();
    rt = newRuntime();
    await rt.start();
    const adopted = rt.podStatus(web);
    assert.equal(adopted?.phase, 'Running', 'adopted before any syncPod');
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
