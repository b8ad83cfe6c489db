import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isKeError } from '../../base/index.js';
import type { Io } from '../shared/steps.js';
import { runReset } from './reset.js';

function capture(): Io & { text(): string } {
  let text = '';
  return { out: (t) => (text += t), err: (t) => (text += t), env: {}, text: () => text };
}

function home(): string {
  const h = mkdtempSync(path.join(tmpdir(), 'ke-reset-'));
  mkdirSync(path.join(h, 'cloud', 'ca'), { recursive: true });
  writeFileSync(path.join(h, 'cloud', 'admin.kubeconfig'), 'x');
  mkdirSync(path.join(h, 'edge', 'n1', 'config'), { recursive: true });
  writeFileSync(path.join(h, 'edge', 'n1', 'config', 'edgecore.yaml'), 'x');
  mkdirSync(path.join(h, 'edge', 'junk'), { recursive: true });
  return h;
}

test('reset removes the cloud dir and every edge node under $KUBEEDGE_HOME, with step output', () => {
  const h = home();
  try {
    const io = capture();
    const r = runReset({ help: false, dataDir: undefined, home: h, force: false }, io);
    assert.deepEqual(r.removed.sort(), [path.join(h, 'cloud'), path.join(h, 'edge', 'n1')]);
    assert.ok(!existsSync(path.join(h, 'cloud')));
    assert.ok(existsSync(path.join(h, 'edge', 'junk')), 'not ours: kept');
    assert.match(io.text(), /^\[1\/2\] removing/m);
  } finally {
    rmSync(h, { recursive: true, force: true });
  }
});

test('reset refuses a directory that is not kubeedge state', () => {
  const h = home();
  try {
    assert.throws(() => runReset({ help: false, dataDir: path.join(h, 'edge', 'junk'), home: h, force: true }, capture()), (err: unknown) => isKeError(err, 'KE_KEADM_NOT_KUBEEDGE_DIR'));
  } finally {
    rmSync(h, { recursive: true, force: true });
  }
});

test('reset refuses a directory held by a live process unless --force', async () => {
  const h = home();
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    const pid = child.pid ?? -1;
    writeFileSync(path.join(h, 'cloud', 'cloudcore.lock'), `${pid}\n`);
    const dir = path.join(h, 'cloud');
    assert.throws(() => runReset({ help: false, dataDir: dir, home: h, force: false }, capture()), (err: unknown) => isKeError(err, 'KE_KEADM_DIR_IN_USE'));
    assert.ok(existsSync(dir));
    runReset({ help: false, dataDir: dir, home: h, force: true }, capture());
    assert.ok(!existsSync(dir));
  } finally {
    child.kill('SIGKILL');
    rmSync(h, { recursive: true, force: true });
  }
});

test('a stale lock (dead process) does not block reset', () => {
  const h = home();
  try {
    writeFileSync(path.join(h, 'cloud', 'cloudcore.lock'), '999999999\n');
    const r = runReset({ help: false, dataDir: path.join(h, 'cloud'), home: h, force: false }, capture());
    assert.equal(r.removed.length, 1);
  } finally {
    rmSync(h, { recursive: true, force: true });
  }
});
