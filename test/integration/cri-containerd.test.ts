// Our CRI client against a real containerd (private instance from the harness, images from a
// private docker-registry): image pull, a CNI-networked pod serving a bind-mounted file over HTTP,
// ExecSync, container status, teardown; and a host-network pod.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { isKeError } from '../../src/base/index.js';
import { createCriClient, type CriClient } from '../../src/platform/cri/client.js';
import type { PodSandboxConfig } from '../../src/platform/cri/types.js';
import { freePort, httpGet, requireContainerd, startContainerd, tempDir, waitUntil, type ContainerdHandle } from '../harness/index.js';

const check = await requireContainerd();

/** Whether IPv4 `ip` lies in `cidr` (a.b.c.d/n). */
function inSubnet(ip: string, cidr: string): boolean {
  const toInt = (s: string): number => s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const [net = '', bits = '32'] = cidr.split('/');
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (toInt(ip) & mask) >>> 0 === (toInt(net) & mask) >>> 0;
}

describe('CRI client on a real containerd', { skip: check.skip }, () => {
  let ctd: ContainerdHandle;
  let cri: CriClient;

  before(async () => {
    ctd = await startContainerd();
    cri = createCriClient(ctd.endpoint, { timeoutMs: 30_000 });
  });
  after(async () => {
    cri?.close();
    await ctd?.stop();
  });

  it('pulls from the local registry and runs a CNI pod: HTTP to the pod IP, ExecSync, status, teardown', async (t) => {
    const version = await cri.version();
    assert.equal(version.runtimeName, 'containerd');
    assert.equal(version.runtimeApiVersion, 'v1');

    const imageRef = await cri.pullImage({ image: ctd.busyboxImage });
    assert.match(imageRef, /^sha256:[0-9a-f]{64}$/);
    const image = await cri.imageStatus({ image: ctd.busyboxImage });
    assert.ok(image);
    assert.ok(image.repoTags.includes(ctd.busyboxImage), `repoTags ${JSON.stringify(image.repoTags)}`);

    const www = await tempDir({ prefix: 'cri-www', owner: t });
    const logs = await tempDir({ prefix: 'cri-logs', owner: t });
    const page = `hello from the pod ${randomBytes(4).toString('hex')}\n`;
    await writeFile(path.join(www, 'index.html'), page);
    const fooValue = `bar-${randomBytes(4).toString('hex')}`;

    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'web', uid: randomUUID(), namespace: 'default', attempt: 0 },
      hostname: 'web',
      logDirectory: logs,
      labels: { app: 'web' },
      linux: {},
    };
    const podId = await cri.runPodSandbox(sandboxConfig);
    const sbStatus = (await cri.podSandboxStatus(podId)).status;
    assert.equal(sbStatus?.state, 'SANDBOX_READY');
    const podIp = sbStatus?.network?.ip ?? '';
    assert.ok(inSubnet(podIp, ctd.podSubnet), `pod IP ${podIp} not in ${ctd.podSubnet}`);

    const containerId = await cri.createContainer(
      podId,
      {
        metadata: { name: 'httpd' },
        image: { image: ctd.busyboxImage },
        command: ['httpd', '-f', '-p', '8080', '-h', '/var/www'],
        envs: [{ key: 'FOO', value: fooValue }],
        mounts: [{ containerPath: '/var/www', hostPath: www, readonly: true }],
        logPath: 'httpd.log',
      },
      sandboxConfig,
    );
    await cri.startContainer(containerId);

    const res = await waitUntil(
      async () => {
        const r = await httpGet(`http://${podIp}:8080/index.html`, 2_000);
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 20_000, what: `httpd on ${podIp}:8080` },
    );
    assert.equal(res.text, page);

    const exec = await cri.execSync(containerId, ['printenv', 'FOO'], 10);
    assert.equal(exec.exitCode, 0);
    assert.equal(exec.stdout.toString('utf8'), `${fooValue}\n`);
    const failing = await cri.execSync(containerId, ['sh', '-c', 'exit 3'], 10);
    assert.equal(failing.exitCode, 3);

    const status = (await cri.containerStatus(containerId)).status;
    assert.equal(status?.state, 'CONTAINER_RUNNING');
    assert.equal(status?.mounts.find((m) => m.containerPath === '/var/www')?.hostPath, www);
    const listed = await cri.listContainers({ podSandboxId: podId });
    assert.deepEqual(listed.map((c) => c.id), [containerId]);

    await cri.stopContainer(containerId, 5);
    assert.equal((await cri.containerStatus(containerId)).status?.state, 'CONTAINER_EXITED');
    await cri.removeContainer(containerId);
    await assert.rejects(cri.containerStatus(containerId), (err: unknown) => isKeError(err) && err.code === 'KE_CRI_NOT_FOUND');

    await cri.stopPodSandbox(podId);
    assert.equal((await cri.podSandboxStatus(podId)).status?.state, 'SANDBOX_NOTREADY');
    await cri.removePodSandbox(podId);
    assert.equal((await cri.listPodSandbox({ id: podId })).length, 0);
    await assert.rejects(cri.podSandboxStatus(podId), (err: unknown) => isKeError(err) && err.code === 'KE_CRI_NOT_FOUND');
  });

  it('runs a host-network pod', async (t) => {
    const www = await tempDir({ prefix: 'cri-www-host', owner: t });
    const page = `host network ${randomBytes(4).toString('hex')}\n`;
    await writeFile(path.join(www, 'index.html'), page);
    const port = await freePort();

    // No hostname: a host-network pod has no private UTS namespace.
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'hostnet', uid: randomUUID(), namespace: 'default' },
      linux: { securityContext: { namespaceOptions: { network: 'NODE' } } },
    };
    const podId = await cri.runPodSandbox(sandboxConfig);
    t.after(async () => {
      await cri.stopPodSandbox(podId).catch(() => undefined);
      await cri.removePodSandbox(podId).catch(() => undefined);
    });
    const sb = (await cri.podSandboxStatus(podId)).status;
    assert.equal(sb?.state, 'SANDBOX_READY');
    assert.equal(sb?.linux?.namespaces?.options?.network, 'NODE');

    const containerId = await cri.createContainer(
      podId,
      {
        metadata: { name: 'httpd' },
        image: { image: ctd.busyboxImage },
        command: ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', '/srv'],
        mounts: [{ containerPath: '/srv', hostPath: www, readonly: true }],
      },
      sandboxConfig,
    );
    await cri.startContainer(containerId);
    const res = await waitUntil(
      async () => {
        const r = await httpGet(`http://127.0.0.1:${port}/index.html`, 2_000);
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 20_000, what: `host-network httpd on 127.0.0.1:${port}` },
    );
    assert.equal(res.text, page);
    const host = await cri.execSync(containerId, ['hostname'], 10);
    assert.equal(host.stdout.toString('utf8').trim(), hostname());

    await cri.stopPodSandbox(podId);
    await cri.removePodSandbox(podId);
    assert.equal((await cri.listPodSandbox({ id: podId })).length, 0);
  });
});
