import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod, V1Volume } from '../../../kube/client/index.js';
import { podDir, prepareVolumes, removePodDir } from './index.js';
import { tempDir, testObjects } from './test-objects.js';

const ctx = { nodeName: 'edge-1', hostIP: '10.0.0.9', podIP: '10.0.0.9' };

function pod(volumes: V1Volume[], uid = 'u1'): V1Pod {
  return {
    metadata: { name: 'p1', namespace: 'ns1', uid, labels: { b: '2', a: 'x"y' }, annotations: { note: 'hi' } },
    spec: {
      nodeName: 'edge-1',
      containers: [{ name: 'main', resources: { limits: { cpu: '1500m', memory: '128Mi' } } }],
      volumes,
    },
  };
}

const mode = (p: string): number => statSync(p).mode & 0o777;

test('configMap: data and binaryData, items with nested paths and modes, the ..data layout', () => {
  const root = tempDir();
  const objects = testObjects();
  objects.putConfigMap('ns1', 'cm', { 'a.txt': 'A', 'b.txt': 'B' }, { 'bin.dat': Buffer.from([0, 1, 2, 255]).toString('base64') });
  const r = prepareVolumes(pod([{ name: 'all', configMap: { name: 'cm' } }, { name: 'some', configMap: { name: 'cm', defaultMode: 0o600, items: [{ key: 'a.txt', path: 'sub/dir/a' }, { key: 'b.txt', path: 'b', mode: 0o400 }] } }]), root, objects, ctx);
  assert.deepEqual(r.problems, []);
  const all = join(podDir(root, 'u1'), 'volumes', 'all');
  assert.equal(r.hostPaths.get('all'), all);
  assert.equal(readFileSync(join(all, 'a.txt'), 'utf8'), 'A');
  assert.deepEqual([...readFileSync(join(all, 'bin.dat'))], [0, 1, 2, 255]);
  assert.equal(readlinkSync(join(all, 'a.txt')), '..data/a.txt');
  assert.match(readlinkSync(join(all, '..data')), /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
  assert.equal(mode(join(all, 'a.txt')), 0o644);
  const some = r.hostPaths.get('some') ?? '';
  assert.equal(readFileSync(join(some, 'sub', 'dir', 'a'), 'utf8'), 'A');
  assert.equal(readlinkSync(join(some, 'sub')), '..data/sub');
  assert.equal(mode(join(some, 'sub', 'dir', 'a')), 0o600);
  assert.equal(mode(join(some, 'b')), 0o400);
  assert.ok(!existsSync(join(some, 'a.txt')));
});

test('an update is seen in place through the volume dir; unchanged content is not rewritten', () => {
  const root = tempDir();
  const objects = testObjects();
  objects.putConfigMap('ns1', 'cm', { k: 'v1', gone: 'x' });
  const p = pod([{ name: 'cfg', configMap: { name: 'cm' } }]);
  const dir = prepareVolumes(p, root, objects, ctx).hostPaths.get('cfg') ?? '';
  // a "container" that bind-mounted the volume dir: simulated by a symlink to it taken once
  const mounted = join(root, 'mounted');
  symlinkSync(dir, mounted);
  const before = readlinkSync(join(dir, '..data'));
  prepareVolumes(p, root, objects, ctx);
  assert.equal(readlinkSync(join(dir, '..data')), before, 'same content: same ..data');
  assert.equal(readFileSync(join(mounted, 'k'), 'utf8'), 'v1');
  objects.putConfigMap('ns1', 'cm', { k: 'v2', added: 'y' });
  prepareVolumes(p, root, objects, ctx);
  const after = readlinkSync(join(dir, '..data'));
  assert.notEqual(after, before);
  assert.equal(readFileSync(join(mounted, 'k'), 'utf8'), 'v2');
  assert.equal(readFileSync(join(mounted, 'added'), 'utf8'), 'y');
  assert.ok(!existsSync(join(mounted, 'gone')), 'removed key dropped');
  assert.ok(!existsSync(join(dir, before)), 'old version removed');
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('..')).sort(), ['..data', after].sort());
});

test('secret: base64 data, default mode 0644, items; downwardAPI; projected merges sources', () => {
  const root = tempDir();
  const objects = testObjects();
  objects.putSecret('ns1', 's', { user: 'admin', pass: 'p@ss' });
  objects.putConfigMap('ns1', 'cm', { conf: 'c=1' });
  const r = prepareVolumes(
    pod([
      { name: 'sec', secret: { secretName: 's' } },
      { name: 'sec2', secret: { secretName: 's', defaultMode: 0o400, items: [{ key: 'pass', path: 'p' }] } },
      {
        name: 'dapi',
        downwardAPI: {
          items: [
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'ann', fieldRef: { fieldPath: "metadata.annotations['note']" } },
            { path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } },
            { path: 'mem', resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' } },
          ],
        },
      },
      {
        name: 'proj',
        projected: {
          sources: [
            { configMap: { name: 'cm' } },
            { secret: { name: 's', items: [{ key: 'user', path: 'creds/user' }] } },
            { downwardAPI: { items: [{ path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } }] } },
            { serviceAccountToken: { path: 'token' } },
          ],
        },
      },
    ]),
    root,
    objects,
    ctx,
  );
  assert.deepEqual(r.problems, []);
  const at = (v: string, f: string): string => readFileSync(join(r.hostPaths.get(v) ?? '', f), 'utf8');
  assert.equal(at('sec', 'pass'), 'p@ss');
  assert.equal(mode(join(r.hostPaths.get('sec') ?? '', 'user')), 0o644);
  assert.equal(at('sec2', 'p'), 'p@ss');
  assert.equal(mode(join(r.hostPaths.get('sec2') ?? '', 'p')), 0o400);
  assert.equal(at('dapi', 'name'), 'p1');
  assert.equal(at('dapi', 'labels'), 'a="x\\"y"\nb="2"');
  assert.equal(at('dapi', 'ann'), 'hi');
  assert.equal(at('dapi', 'cpu'), '1500');
  assert.equal(at('dapi', 'mem'), '128');
  assert.equal(at('proj', 'conf'), 'c=1');
  assert.equal(at('proj', 'creds/user'), 'admin');
  assert.equal(at('proj', 'uid'), 'u1');
  assert.ok(!existsSync(join(r.hostPaths.get('proj') ?? '', 'token')), 'serviceAccountToken skipped');
});

test('emptyDir and hostPath types', () => {
  const root = tempDir();
  const host = tempDir('ke-pod-prep-host-');
  writeFileSync(join(host, 'file'), 'f');
  const r = prepareVolumes(
    pod([
      { name: 'scratch', emptyDir: {} },
      { name: 'mem', emptyDir: { medium: 'Memory' } },
      { name: 'mkdir', hostPath: { path: join(host, 'new', 'dir'), type: 'DirectoryOrCreate' } },
      { name: 'touch', hostPath: { path: join(host, 'touched'), type: 'FileOrCreate' } },
      { name: 'file', hostPath: { path: join(host, 'file'), type: 'File' } },
      { name: 'any', hostPath: { path: join(host, 'whatever') } },
      { name: 'notdir', hostPath: { path: join(host, 'file'), type: 'Directory' } },
      { name: 'nofile', hostPath: { path: join(host, 'missing'), type: 'File' } },
    ]),
    root,
    testObjects(),
    ctx,
  );
  const vols = join(podDir(root, 'u1'), 'volumes');
  assert.equal(r.hostPaths.get('scratch'), join(vols, 'scratch'));
  assert.ok(statSync(join(vols, 'scratch')).isDirectory());
  assert.equal(mode(join(vols, 'scratch')), 0o777);
  assert.ok(statSync(r.hostPaths.get('mem') ?? '').isDirectory());
  assert.ok(statSync(join(host, 'new', 'dir')).isDirectory());
  assert.ok(statSync(join(host, 'touched')).isFile());
  assert.equal(r.hostPaths.get('file'), join(host, 'file'));
  assert.equal(r.hostPaths.get('any'), join(host, 'whatever'));
  assert.equal(r.hostPaths.has('notdir'), false);
  assert.equal(r.hostPaths.has('nofile'), false);
  assert.equal(r.problems.length, 2);
  assert.ok(r.problems.every((p) => p.startsWith('MountVolume.SetUp failed for volume "no')));
});

test('optional vs missing sources; a missing source keeps what was written before', () => {
  const root = tempDir();
  const objects = testObjects();
  const p = pod([
    { name: 'opt', configMap: { name: 'absent', optional: true } },
    { name: 'optkey', secret: { secretName: 's', optional: true, items: [{ key: 'nokey', path: 'x' }] } },
    { name: 'req', configMap: { name: 'cm' } },
    { name: 'reqkey', configMap: { name: 'cm', items: [{ key: 'nokey', path: 'x' }] } },
  ]);
  let r = prepareVolumes(p, root, objects, ctx);
  assert.equal(r.problems.length, 2);
  assert.ok(r.problems.some((m) => m.includes('volume "req"') && m.includes('configmap "cm" not found')));
  assert.deepEqual(readdirSync(r.hostPaths.get('opt') ?? '').filter((n) => !n.startsWith('..')), []);
  assert.equal(r.hostPaths.has('req'), false);
  objects.putConfigMap('ns1', 'cm', { k: 'v' });
  objects.putSecret('ns1', 's', { other: 'o' });
  r = prepareVolumes(p, root, objects, ctx);
  assert.deepEqual(r.problems, ['MountVolume.SetUp failed for volume "reqkey" : configmap "cm" references non-existent key: nokey']);
  assert.equal(readFileSync(join(r.hostPaths.get('req') ?? '', 'k'), 'utf8'), 'v');
  objects.remove('ns1', 'cm');
  r = prepareVolumes(p, root, objects, ctx);
  assert.ok(r.problems.some((m) => m.includes('volume "req"')));
  assert.equal(readFileSync(join(r.hostPaths.get('req') ?? '', 'k'), 'utf8'), 'v', 'kept as kubelet keeps it');
});

test('bad item paths are problems and nothing is written outside the volume', () => {
  const root = tempDir();
  const objects = testObjects();
  objects.putConfigMap('ns1', 'cm', { k: 'v' });
  for (const path of ['../escape', '/abs', 'a/../../b', '..hidden', '']) {
    const r = prepareVolumes(pod([{ name: 'v', configMap: { name: 'cm', items: [{ key: 'k', path }] } }], 'bad'), root, objects, ctx);
    assert.equal(r.problems.length, 1, path);
  }
  const r = prepareVolumes(pod([{ name: '..', emptyDir: {} }], 'bad'), root, objects, ctx);
  assert.equal(r.problems.length, 1);
  assert.deepEqual(readdirSync(root), [], 'nothing written at all');
});

test('removePodDir removes the pod dir but never follows hostPath or links', () => {
  const root = tempDir();
  const host = tempDir('ke-pod-prep-host-');
  writeFileSync(join(host, 'keep'), 'k');
  const objects = testObjects();
  objects.putConfigMap('ns1', 'cm', { k: 'v' });
  prepareVolumes(pod([{ name: 'h', hostPath: { path: host, type: 'Directory' } }, { name: 'c', configMap: { name: 'cm' } }]), root, objects, ctx);
  const dir = podDir(root, 'u1');
  mkdirSync(join(dir, 'containers', 'main'), { recursive: true });
  symlinkSync(host, join(dir, 'containers', 'main', 'linked'));
  removePodDir(root, 'u1');
  assert.ok(!existsSync(dir));
  assert.equal(readFileSync(join(host, 'keep'), 'utf8'), 'k');
  assert.ok(lstatSync(host).isDirectory());
  assert.throws(() => podDir(root, '../x'), { code: 'KE_EDGED_BAD_POD_UID' });
});

test('a plain file left in a volume dir by an older layout is replaced by the ..data link', () => {
  const root = tempDir();
  const objects = testObjects();
  objects.putConfigMap('ns1', 'cm', { k: 'new' });
  const dir = join(podDir(root, 'u1'), 'volumes', 'cfg');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'k'), 'old');
  const r = prepareVolumes(pod([{ name: 'cfg', configMap: { name: 'cm' } }]), root, objects, ctx);
  assert.deepEqual(r.problems, []);
  assert.equal(readlinkSync(join(dir, 'k')), '..data/k');
  assert.equal(readFileSync(join(dir, 'k'), 'utf8'), 'new');
});
