// The CRI client against a small in-test gRPC server that implements a few runtime.v1 methods from
// the same api.proto on a unix socket in a temp dir (a fake runtime, not a mock of our code).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { isKeError } from '../../base/index.js';
import { createCriClient, criError, normalizeCriEndpoint, type CriClient } from './client.js';
import { IMAGE_SERVICE, RUNTIME_SERVICE, criService } from './proto.js';
import type { ContainerFilter, PodSandboxConfig } from './types.js';

type Handler = (req: Record<string, unknown>) => object;

const dir = mkdtempSync(path.join(tmpdir(), 'ke-cri-'));
const sock = path.join(dir, 'cri.sock');
const server = new grpc.Server();
const sandboxes = new Map<string, PodSandboxConfig>();
let seenListFilter: unknown;
let client: CriClient;

const fail = (code: grpc.status, details: string): never => {
  throw Object.assign(new Error(details), { code, details });
};

const runtimeHandlers: Record<string, Handler> = {
  Version: (req) => ({ version: req['version'], runtimeName: 'fake-cri', runtimeVersion: '1.2.3', runtimeApiVersion: 'v1' }),
  RunPodSandbox: (req) => {
    const id = `sb-${sandboxes.size + 1}`;
    sandboxes.set(id, req['config'] as PodSandboxConfig);
    return { podSandboxId: id };
  },
  PodSandboxStatus: (req) => {
    const id = String(req['podSandboxId']);
    const cfg = sandboxes.get(id) ?? fail(grpc.status.NOT_FOUND, `sandbox ${id} not found`);
    return {
      status: {
        id,
        metadata: cfg.metadata,
        state: 'SANDBOX_READY',
        createdAt: '1764262800123456789',
        network: { ip: '10.88.0.7', additionalIps: [{ ip: 'fd00::7' }] },
        linux: { namespaces: { options: cfg.linux?.securityContext?.namespaceOptions } },
        labels: cfg.labels,
        annotations: cfg.annotations,
      },
      info: { echo: JSON.stringify(cfg) },
    };
  },
  ListContainers: (req) => {
    seenListFilter = req['filter'];
    const f = (req['filter'] ?? {}) as ContainerFilter;
    const all = [
      { id: 'c1', podSandboxId: 'sb-1', state: 'CONTAINER_RUNNING', labels: { app: 'a' }, createdAt: '5' },
      { id: 'c2', podSandboxId: 'sb-1', state: 'CONTAINER_EXITED', labels: { app: 'b' } },
      { id: 'c3', podSandboxId: 'sb-2', state: 'CONTAINER_RUNNING', labels: { app: 'a' } },
    ];
    const match = all.filter(
      (c) =>
        (f.podSandboxId === undefined || f.podSandboxId === '' || c.podSandboxId === f.podSandboxId) &&
        (f.state == null || c.state === f.state.state) &&
        Object.entries(f.labelSelector ?? {}).every(([k, v]) => (c.labels as Record<string, string>)[k] === v),
    );
    return { containers: match };
  },
  ContainerStatus: (req) => fail(grpc.status.NOT_FOUND, `container ${String(req['containerId'])} not found`),
  StartContainer: () => fail(grpc.status.FAILED_PRECONDITION, 'container is not created'),
  ExecSync: (req) => ({ stdout: Buffer.from(`ran ${(req['cmd'] as string[]).join(' ')}`), stderr: Buffer.alloc(0), exitCode: 3 }),
};

const imageHandlers: Record<string, Handler> = {
  ListImages: () => ({ images: [{ id: 'sha256:abc', repoTags: ['docker.io/library/busybox:probe'], size: '1048576' }] }),
};

function implement(handlers: Record<string, Handler>): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [name, fn] of Object.entries(handlers)) {
    impl[name] = (call: grpc.ServerUnaryCall<Record<string, unknown>, object>, cb: grpc.sendUnaryData<object>) => {
      try {
        cb(null, fn(call.request));
      } catch (err) {
        cb(err as grpc.ServiceError);
      }
    };
  }
  return impl;
}

before(async () => {
  server.addService(criService(RUNTIME_SERVICE), implement(runtimeHandlers));
  server.addService(criService(IMAGE_SERVICE), implement(imageHandlers));
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  client = createCriClient(sock, { timeoutMs: 5000 });
});

after(() => {
  client.close();
  server.forceShutdown();
  rmSync(dir, { recursive: true, force: true });
});

test('endpoint: bare paths become unix:// URLs', () => {
  assert.equal(normalizeCriEndpoint('/run/containerd/containerd.sock'), 'unix:///run/containerd/containerd.sock');
  assert.equal(normalizeCriEndpoint('unix:///x.sock'), 'unix:///x.sock');
  assert.equal(client.endpoint, `unix://${sock}`);
});

test('Version', async () => {
  const v = await client.version();
  assert.deepEqual(v, { version: 'v1', runtimeName: 'fake-cri', runtimeVersion: '1.2.3', runtimeApiVersion: 'v1' });
});

test('RunPodSandbox then PodSandboxStatus round-trips nested fields, enums and int64', async () => {
  const config: PodSandboxConfig = {
    metadata: { name: 'web-0', uid: 'uid-1', namespace: 'default', attempt: 2 },
    hostname: 'web-0',
    logDirectory: '/var/log/pods/default_web-0_uid-1',
    dnsConfig: { servers: ['10.96.0.10'], searches: ['default.svc.cluster.local'], options: ['ndots:5'] },
    portMappings: [{ protocol: 'UDP', containerPort: 53, hostPort: 5353, hostIp: '127.0.0.1' }],
    labels: { app: 'web' },
    annotations: { 'kubeedge.io/x': 'y' },
    linux: { cgroupParent: '/kubepods/pod-uid-1', securityContext: { namespaceOptions: { network: 'NODE', pid: 'CONTAINER' } } },
  };
  const id = await client.runPodSandbox(config);
  assert.equal(id, 'sb-1');
  const res = await client.podSandboxStatus(id, true);
  const st = res.status;
  assert.ok(st);
  assert.equal(st.state, 'SANDBOX_READY');
  assert.equal(st.createdAt, '1764262800123456789');
  assert.deepEqual(st.metadata, { name: 'web-0', uid: 'uid-1', namespace: 'default', attempt: 2 });
  assert.deepEqual(st.network, { ip: '10.88.0.7', additionalIps: [{ ip: 'fd00::7' }] });
  assert.deepEqual(st.linux?.namespaces?.options, { network: 'NODE', pid: 'CONTAINER', ipc: 'POD', targetId: '' });
  assert.deepEqual(st.labels, { app: 'web' });
  assert.deepEqual(st.annotations, { 'kubeedge.io/x': 'y' });
  // What the server decoded, with defaults filled in: every nested field reached it.
  const echoed = JSON.parse(res.info['echo'] ?? '{}') as Record<string, unknown>;
  assert.deepEqual(echoed['dnsConfig'], config.dnsConfig);
  assert.deepEqual(echoed['portMappings'], config.portMappings);
  assert.equal(echoed['logDirectory'], config.logDirectory);
  assert.deepEqual((echoed['linux'] as { cgroupParent: string }).cgroupParent, '/kubepods/pod-uid-1');
});

test('ListContainers sends the filter and returns the matches', async () => {
  const got = await client.listContainers({ podSandboxId: 'sb-1', state: { state: 'CONTAINER_RUNNING' }, labelSelector: { app: 'a' } });
  assert.deepEqual(got.map((c) => c.id), ['c1']);
  assert.equal(got[0]?.state, 'CONTAINER_RUNNING');
  assert.equal(got[0]?.createdAt, '5');
  assert.equal(got[0]?.metadata, null);
  assert.deepEqual(seenListFilter, { id: '', podSandboxId: 'sb-1', state: { state: 'CONTAINER_RUNNING' }, labelSelector: { app: 'a' } });
  assert.deepEqual((await client.listContainers()).map((c) => c.id), ['c1', 'c2', 'c3']);
});

test('ExecSync returns bytes as Buffers; ListImages on the image service', async () => {
  const r = await client.execSync('c1', ['echo', 'hi'], 5);
  assert.equal(r.stdout.toString(), 'ran echo hi');
  assert.equal(r.stderr.length, 0);
  assert.equal(r.exitCode, 3);
  const imgs = await client.listImages();
  assert.equal(imgs[0]?.size, '1048576');
  assert.deepEqual(imgs[0]?.repoTags, ['docker.io/library/busybox:probe']);
});

test('gRPC error statuses map to KeError codes with the status in details', async () => {
  await assert.rejects(client.containerStatus('nope'), (err: unknown) => {
    assert.ok(isKeError(err, 'KE_CRI_NOT_FOUND'));
    assert.equal(err.details?.['grpcCode'], grpc.status.NOT_FOUND);
    assert.equal(err.details?.['method'], 'ContainerStatus');
    return true;
  });
  await assert.rejects(client.startContainer('c9'), (err: unknown) => {
    assert.ok(isKeError(err, 'KE_CRI_CALL'));
    assert.equal(err.details?.['grpcStatus'], 'FAILED_PRECONDITION');
    return true;
  });
  // Methods the fake does not implement answer UNIMPLEMENTED.
  await assert.rejects(client.imageFsInfo(), (err: unknown) => isKeError(err, 'KE_CRI_CALL') && err.details?.['grpcCode'] === grpc.status.UNIMPLEMENTED);
  assert.equal(criError('X', { code: grpc.status.UNAVAILABLE }).code, 'KE_CRI_UNAVAILABLE');
});

test('an aborted signal cancels the call', async () => {
  await assert.rejects(client.version({ signal: AbortSignal.abort() }), (err: unknown) => isKeError(err, 'KE_CRI_CALL') && err.details?.['grpcCode'] === grpc.status.CANCELLED);
});

test('unreachable socket gives KE_CRI_UNAVAILABLE', async () => {
  const c = createCriClient(`unix://${path.join(dir, 'missing.sock')}`, { timeoutMs: 5000 });
  try {
    await assert.rejects(c.version(), (err: unknown) => isKeError(err, 'KE_CRI_UNAVAILABLE'));
  } finally {
    c.close();
  }
});

test('wire: field numbers as upstream runtime.v1', () => {
  const rt = criService(RUNTIME_SERVICE);
  const run = rt['RunPodSandbox'];
  assert.ok(run);
  // RunPodSandboxRequest.config = 1 { PodSandboxConfig.log_directory = 3, linux = 8 { cgroup_parent = 1 } }
  const bytes = run.requestSerialize({ config: { logDirectory: 'L', linux: { cgroupParent: 'C' } } });
  assert.deepEqual([...bytes], [0x0a, 0x08, 0x1a, 0x01, 0x4c, 0x42, 0x03, 0x0a, 0x01, 0x43]);
  // ContainerStatusResponse.status = 1 { exit_code = 7, reason = 10, log_path = 15 }
  const cs = rt['ContainerStatus'];
  assert.ok(cs);
  const out = cs.responseDeserialize(Buffer.from([0x0a, 0x08, 0x38, 0x05, 0x52, 0x01, 0x52, 0x7a, 0x01, 0x50])) as {
    status: { exitCode: number; reason: string; logPath: string };
  };
  assert.equal(out.status.exitCode, 5);
  assert.equal(out.status.reason, 'R');
  assert.equal(out.status.logPath, 'P');
});
