import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Image } from '../../../platform/cri/types.js';
import { bytesToFree, gcCandidates, normalizeImageRef, type ImageUse } from './images.js';

test('image GC frees down to the low threshold once above the high one', () => {
  const o = { highPercent: 85, lowPercent: 80, pinned: [] };
  assert.equal(bytesToFree(84, 100, o), 0);
  assert.equal(bytesToFree(90, 100, o), 10);
  assert.equal(bytesToFree(85, 100, o), 5);
  assert.equal(bytesToFree(50, 0, o), 0, 'unknown capacity frees nothing');
});

test('image references normalized as the runtime names them', () => {
  assert.equal(normalizeImageRef('busybox'), 'docker.io/library/busybox:latest');
  assert.equal(normalizeImageRef('pause:3.9'), 'docker.io/library/pause:3.9');
  assert.equal(normalizeImageRef('kubeedge/pause:3.6'), 'docker.io/kubeedge/pause:3.6');
  assert.equal(normalizeImageRef('127.0.0.1:5000/x/pause:v1'), '127.0.0.1:5000/x/pause:v1');
  assert.equal(normalizeImageRef('127.0.0.1:5000/x/pause'), '127.0.0.1:5000/x/pause:latest');
  assert.equal(normalizeImageRef('registry.local/pause@sha256:ab'), 'registry.local/pause@sha256:ab');
});

test('image GC candidates: not pinned, not in use, not named by a pod spec, at least the minimum age; least recently used first', () => {
  const img = (id: string, tags: string[], digests: string[] = []): Image => ({ id, repoTags: tags, repoDigests: digests, size: '10', uid: null, username: '', spec: null, pinned: false });
  const images = [
    img('sha256:old', ['docker.io/library/old:1']),
    img('sha256:new', ['docker.io/library/new:1']),
    img('sha256:run', ['docker.io/library/run:1']),
    img('sha256:spec', ['reg.local/app:v2'], ['reg.local/app@sha256:abc']),
    img('sha256:pause', ['docker.io/library/pause:3.9']),
    img('sha256:digest', [], ['reg.local/db@sha256:def']),
  ];
  const use: ImageUse = new Map();
  const o = { highPercent: 85, lowPercent: 80, pinned: ['pause:3.9'], keep: ['old:1', 'reg.local/db@sha256:def'], minAgeMs: 120_000 };
  const inUse = new Set(['docker.io/library/run:1']);
  assert.deepEqual(gcCandidates(images, inUse, use, 0, o), [], 'every image is new at first sight');
  use.delete('sha256:new');
  const at = 200_000;
  const ids = gcCandidates(images, inUse, use, at, o).map((i) => i.id);
  // old: named by a spec (normalized); run: in use; pause: pinned; digest: named by digest; new: first seen just now.
  assert.deepEqual(ids, ['sha256:spec']);
  assert.deepEqual(gcCandidates(images, new Set(), use, at + 1, { ...o, keep: [] }).map((i) => i.id), ['sha256:old', 'sha256:spec', 'sha256:digest', 'sha256:run']);
  assert.equal(use.get('sha256:run')?.lastUsed, at, 'used images are stamped at every pass');
  assert.equal(use.get('sha256:new')?.firstSeen, at);
  gcCandidates(images.slice(1), inUse, use, at + 2, o);
  assert.equal(use.has('sha256:old'), false, 'gone images are forgotten');
});
