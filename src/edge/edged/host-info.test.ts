import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { readHostInfo } from './host-info.js';

test('readHostInfo reads this host', () => {
  const h = readHostInfo(tmpdir());
  assert.ok(h.cpus >= 1);
  assert.ok(h.memoryBytes > 0);
  assert.ok(h.ephemeralStorageBytes > 0);
  assert.ok(h.ephemeralStorageAvailableBytes > 0 && h.ephemeralStorageAvailableBytes <= h.ephemeralStorageBytes);
  assert.ok(h.memoryAvailableBytes > 0 && h.memoryAvailableBytes <= h.memoryBytes);
  if (process.platform === 'linux') {
    assert.ok(h.pidMax > 0 && h.pidCount > 0 && h.pidCount < h.pidMax);
    assert.match(h.bootID, /^[0-9a-f-]{36}$/);
  }
  assert.ok(['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64'].includes(h.architecture) || h.architecture.length > 0);
  assert.equal(h.operatingSystem, process.platform === 'win32' ? 'windows' : process.platform);
  assert.ok(h.osImage.length > 0);
  assert.ok(h.ipv4 === '' || /^\d+\.\d+\.\d+\.\d+$/.test(h.ipv4));
});
