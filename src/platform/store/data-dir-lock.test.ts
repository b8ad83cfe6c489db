import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isKeError } from '../../base/index.js';
import { lockDataDir } from './data-dir-lock.js';

describe('lockDataDir', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ke-lock-'));
  const file = path.join(dir, 'cloudcore.lock');

  it('takes a free lock, writes our pid and releases it', () => {
    const lock = lockDataDir(file);
    assert.equal(readFileSync(file, 'utf8').trim(), String(process.pid));
    lock.release();
    assert.equal(existsSync(file), false);
  });

  it('refuses a lock held by a live process', () => {
    writeFileSync(file, '1\n'); // pid 1 always runs
    assert.throws(() => lockDataDir(file), (err: unknown) => isKeError(err, 'KE_STORE_LOCKED'));
    rmSync(file);
  });

  it('takes over a lock left by a process that is gone', () => {
    writeFileSync(file, '999999999\n');
    const lock = lockDataDir(file);
    assert.equal(readFileSync(file, 'utf8').trim(), String(process.pid));
    lock.release();
    rmSync(dir, { recursive: true, force: true });
  });
});
