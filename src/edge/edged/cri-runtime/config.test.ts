import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isKeError } from '../../../base/index.js';
import type { V1Container, V1Pod } from '../../../kube/client/index.js';
import { containerConfig, linuxResources, sandboxConfig, type ContainerInputs } from './config.js';
import { ANNOTATION_HASH, ANNOTATION_RESTART_COUNT, LABEL_CONTAINER_NAME, LABEL_POD_UID, containerHash } from './labels.js';
import { quantity } from './quantity.js';
import { SubPathErrorCode } from './subpath.js';

const web: V1Container = {
  name: 'web',
  image: 'busybox:1',
  ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, protocol: 'UDP' }],
  volumeMounts: [
    { name: 'cfg', mountPath: '/etc/cfg', readOnly: true },
    { name: 'cfg', mountPath: '/etc/one.conf', subPath: 'one.conf' },
    { name: 'missing', mountPath: '/nope' },
  ],
  resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } },
  securityContext: { privileged: true, runAsUser: 1000 },
  workingDir: '/work',
};

const pod = (spec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod => ({
  metadata: { name: 'p1', namespace: 'ns1', uid: 'u-1', labels: { app: 'a' } },
  spec: { containers: [web], terminationGracePeriodSeconds: 5, ...spec },
});

test('quantities: cpu and memory units', () => {
  assert.equal(quantity('500m'), 0.5);
  assert.equal(quantity('2'), 2);
  assert.equal(quantity('64Mi'), 64 * 2 ** 20);
  assert.equal(quantity('1G'), 1e9);
  assert.equal(quantity('1e3'), 1000);
  assert.equal(quantity(3), 3);
  assert.equal(quantity('ten'), undefined);
  assert.equal(quantity('5Xi'), undefined);
});

test('sandbox config: metadata, hostname, log directory, ports, labels, namespaces', () => {
  const c = sandboxConfig(pod(), '/var/lib/edged', 2);
  assert.deepEqual(c.metadata, { name: 'p1', namespace: 'ns1', uid: 'u-1', attempt: 2 });
  assert.equal(c.hostname, 'p1');
  assert.equal(c.logDirectory, '/var/lib/edged/logs/pods/ns1_p1_u-1');
  assert.deepEqual(c.portMappings, [
    { protocol: 'TCP', containerPort: 80, hostPort: 8080 },
    { protocol: 'UDP', containerPort: 53 },
  ]);
  assert.equal(c.labels?.['app'], 'a');
  assert.equal(c.labels?.[LABEL_POD_UID], 'u-1');
  assert.deepEqual(c.linux?.securityContext?.namespaceOptions, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
  assert.equal(c.linux?.securityContext?.privileged, true);
  assert.equal(c.linux?.cgroupParent, '');
});

test('host-network sandbox: no hostname, NODE network namespace', () => {
  const c = sandboxConfig(pod({ hostNetwork: true, hostPID: true }), '/r', 0);
  assert.equal(c.hostname, undefined);
  assert.deepEqual(c.linux?.securityContext?.namespaceOptions, { network: 'NODE', pid: 'NODE', ipc: 'POD' });
});

test('dnsPolicy None spells out the DNS config', () => {
  const c = sandboxConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc.local'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), '/r', 0);
  assert.deepEqual(c.dnsConfig, { servers: ['1.1.1.1'], searches: ['svc.local'], options: ['ndots:2', 'edns0'] });
  assert.equal(sandboxConfig(pod(), '/r', 0).dnsConfig, undefined);
});

test('linux resources from limits and requests', () => {
  assert.deepEqual(linuxResources(web), { cpuShares: 256, cpuPeriod: 100_000, cpuQuota: 50_000, memoryLimitInBytes: 64 * 2 ** 20 });
  assert.deepEqual(linuxResources({ name: 'x' }), { cpuShares: 2 });
  assert.deepEqual(linuxResources({ name: 'x', resources: { limits: { cpu: '2' } } }), { cpuShares: 2048, cpuPeriod: 100_000, cpuQuota: 200_000 });
});

test('container config: command, env, mounts with subPath, log path, labels, annotations, security', () => {
  const inputs: ContainerInputs = {
    pod: pod(),
    container: web,
    init: false,
    restartCount: 3,
    env: { A: '1', B: 'two' },
    cmd: { command: ['httpd'], args: ['-f'] },
    hostPaths: new Map([['cfg', '/r/pods/u-1/volumes/cfg']]),
    expand: (s) => s,
    rootDir: '/r',
  };
  const c = containerConfig(inputs);
  assert.deepEqual(c.metadata, { name: 'web', attempt: 3 });
  assert.deepEqual(c.image, { image: 'busybox:1' });
  assert.deepEqual(c.command, ['httpd']);
  assert.deepEqual(c.args, ['-f']);
  assert.equal(c.workingDir, '/work');
  assert.deepEqual(c.envs, [
    { key: 'A', value: '1' },
    { key: 'B', value: 'two' },
  ]);
  assert.deepEqual(c.mounts, [
    { containerPath: '/etc/cfg', hostPath: '/r/pods/u-1/volumes/cfg', readonly: true, propagation: 'PROPAGATION_PRIVATE' },
    { containerPath: '/etc/one.conf', hostPath: '/r/pods/u-1/volumes/cfg/one.conf', readonly: false, propagation: 'PROPAGATION_PRIVATE' },
  ]);
  assert.equal(c.logPath, 'web/3.log');
  assert.equal(c.labels?.[LABEL_CONTAINER_NAME], 'web');
  assert.equal(c.annotations?.[ANNOTATION_RESTART_COUNT], '3');
  assert.equal(c.annotations?.[ANNOTATION_HASH], containerHash(web));
  assert.equal(c.linux?.securityContext?.privileged, true);
  assert.deepEqual(c.linux?.securityContext?.runAsUser, { value: 1000 });
  assert.deepEqual(c.linux?.securityContext?.namespaceOptions, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
});

test('container hash: independent of key order, changes with the spec', () => {
  const a: V1Container = { name: 'c', image: 'i:1', command: ['sh'] };
  const b: V1Container = { command: ['sh'], image: 'i:1', name: 'c' };
  assert.equal(containerHash(a), containerHash(b));
  assert.notEqual(containerHash(a), containerHash({ ...a, image: 'i:2' }));
  const withUndefined: V1Container = { ...a };
  Reflect.set(withUndefined, 'args', undefined);
  assert.equal(containerHash(withUndefined), containerHash(a), 'an undefined field is no field');
});

test("container config: a subPath with '..' or an absolute one is refused, not dropped; the resolver is used", () => {
  const base: ContainerInputs = {
    pod: pod(),
    container: { name: 'c', volumeMounts: [{ name: 'cfg', mountPath: '/m', subPathExpr: '$(DIR)' }] },
    init: false,
    restartCount: 0,
    env: {},
    cmd: {},
    hostPaths: new Map([['cfg', '/r/v']]),
    expand: () => '..',
    rootDir: '/r',
  };
  const refused = (err: unknown): boolean => isKeError(err) && err.code === SubPathErrorCode.invalid;
  assert.throws(() => containerConfig(base), refused, 'subPathExpr expanding to ..');
  assert.throws(() => containerConfig({ ...base, expand: () => 'a/../../b' }), refused);
  assert.throws(() => containerConfig({ ...base, expand: () => '/etc' }), refused);
  const seen: string[] = [];
  const c = containerConfig({ ...base, expand: () => 'x/y', subPath: (vol, sub) => (seen.push(`${vol}|${sub}`), '/resolved') });
  assert.deepEqual(seen, ['/r/v|x/y']);
  assert.equal(c.mounts?.[0]?.hostPath, '/resolved');
});

test('container config: security context merged with the pod defaults', () => {
  const c: V1Container = { name: 'c', securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, allowPrivilegeEscalation: false } };
  const cfg = containerConfig({ pod: pod({ containers: [c], securityContext: { runAsUser: 1000, fsGroup: 3 } }), container: c, init: false, restartCount: 0, env: {}, cmd: {}, hostPaths: new Map(), expand: (s) => s, rootDir: '/r' });
  const sc = cfg.linux?.securityContext;
  assert.deepEqual(sc?.runAsUser, { value: 1000 });
  assert.equal(sc?.readonlyRootfs, true);
  assert.equal(sc?.noNewPrivs, true);
  assert.deepEqual(sc?.capabilities, { addCapabilities: [], dropCapabilities: ['ALL'] });
  assert.deepEqual(sc?.supplementalGroups, [3]);
  assert.deepEqual(sc?.namespaceOptions, { network: 'POD', pid: 'CONTAINER', ipc: 'POD' });
  assert.deepEqual(sandboxConfig(pod({ securityContext: { runAsUser: 1000, fsGroup: 3 } }), '/r', 0).linux?.securityContext?.supplementalGroups, [3]);
});
