import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToFree, normalizeImageRef } from './images.js';

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
