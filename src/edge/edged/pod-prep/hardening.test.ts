import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod, V1Volume } from '../../../kube/client/index.js';
import { writeAtomic } from './atomic-writer.js';
import { ensurePodDir, podDir, prepareVolumes } from './index.js';
import { tempDir, testObjects } from './test-objects.js';

const ctx = { nodeName: 'edge-1', hostIP: '10.0.0.9', podIP: '10.0.0.9' };

function pod(volumes: V1Volume[], uid = 'u1'): V1Pod {
  return { metadata: { name: 'p1', namespace: 'ns1', uid }, spec: { nodeName: 'edge-1', containers: [{ name: 'main' }], volumes } };
}

const mode = (p: string): number => statSync(p).mode & 0o777;
/** The `..<timestamp>.XXXXXX` version directories in a volume dir. */
const versions = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith('..') && n !== '..data' && n !== '..data_tmp');

test('a write that fails half-way removes its version directory; the previous version stays', () => {
  const dir = join(tempDir(), 'vol');
  writeAtomic(dir, new Map([['k', { data: Buffer.from('v1'), mode: 0o644 }]]));
  const before = versions(dir);
  assert.equal(before.length, 1);
  // a component longer than NAME_MAX (255) fails in writeFileSync, after the version dir was made
  const broken = new Map([
    ['k', { data: Buffer.from('v2'), mode: 0o644 }],
    ['x'.repeat(300), { data: Buffer.from('y'), mode: 0o644 }],
  ]);
  for (let i = 0; i < 3; i++) assert.throws(() => writeAtomic(dir, broken), { code: 'ENAMETOOLONG' });
  assert.deepEqual(versions(dir), before, 'no leftover version directories');
  assert.ok(!readdirSync(dir).includes('..data_tmp'));
  assert.equal(readFileSync(join(dir, 'k'), 'utf8'), 'v1');
});

test('a write error is reported as a volume problem, not thrown; the pod dir keeps no leftover', () => {
  const root = tempDir();
  const objects = testObjects();
  objects.putConfigMap('ns1', 'cm', { k: 'v' });
  const p = pod([{ name: 'cfg', configMap: { name: 'cm', items: [{ key: 'k', path: 'ok' }, { key: 'k', path: 'n'.repeat(300) }] } }]);
  const r = prepareVolumes(p, root, objects, ctx);
  assert.equal(r.problems.length, 1);
  assert.match(r.problems[0] ?? '', /^MountVolume\.SetUp failed for volume "cfg" : ENAMETOOLONG/);
  assert.deepEqual(versions(join(podDir(root, 'u1'), 'volumes', 'cfg')), []);
});

test('items mapping to both `a` and `a/b` are a volume problem; nothing is written for that volume', () => {
  const root = tempDir();
  const objects = testObjects();
  objects.putConfigMap('ns1', 'cm', { k1: 'one', k2: 'two' });
  const clash = { name: 'clash', configMap: { name: 'cm', items: [{ key: 'k1', path: 'a' }, { key: 'k2', path: 'a/b' }] } };
  const r = prepareVolumes(pod([clash, { name: 'fine', configMap: { name: 'cm' } }]), root, objects, ctx);
  assert.deepEqual(r.problems, ['MountVolume.SetUp failed for volume "clash" : path "a/b" is under file "a"']);
  assert.equal(r.hostPaths.has('clash'), false);
  assert.equal(readFileSync(join(r.hostPaths.get('fine') ?? '', 'k2'), 'utf8'), 'two');
  const vols = readdirSync(join(podDir(root, 'u1'), 'volumes'));
  assert.deepEqual(vols, ['fine'], 'no directory for the clashing volume');
  assert.throws(() => writeAtomic(join(root, 'direct'), new Map([['a', { data: Buffer.from('1'), mode: 0o644 }], ['a/b', { data: Buffer.from('2'), mode: 0o644 }]])), /is under file "a"/);
});

test('<rootDir>/pods and every pod dir are 0750 whatever the umask; volume files keep their Kubernetes modes', () => {
  const old = process.umask(0);
  try {
    const root = tempDir();
    const objects = testObjects();
    objects.putSecret('ns1', 's', { token: 't' });
    const r = prepareVolumes(pod([{ name: 'sec', secret: { secretName: 's' } }, { name: 'scratch', emptyDir: {} }]), root, objects, ctx);
    assert.deepEqual(r.problems, []);
    assert.equal(mode(join(root, 'pods')), 0o750);
    assert.equal(mode(podDir(root, 'u1')), 0o750);
    assert.equal(mode(join(r.hostPaths.get('sec') ?? '', 'token')), 0o644);
    assert.equal(mode(r.hostPaths.get('scratch') ?? ''), 0o777);
    process.umask(0o077);
    assert.equal(ensurePodDir(root, 'u2'), podDir(root, 'u2'));
    assert.equal(mode(podDir(root, 'u2')), 0o750);
  } finally {
    process.umask(old);
  }
});
