import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isKeError } from '../../../base/index.js';
import { SubPathErrorCode, resolveSubPath } from './subpath.js';

const refused = (err: unknown): boolean => isKeError(err) && err.code === SubPathErrorCode.invalid;

test('subPath: symlinks leaving the volume are refused, inside ones resolved, missing directories created inside', () => {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'ke-subpath-')));
  try {
    const vol = path.join(dir, 'vol');
    const outside = path.join(dir, 'outside');
    mkdirSync(path.join(vol, 'real', 'deep'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(vol, 'file.conf'), 'x');
    symlinkSync('/', path.join(vol, 'root'));
    symlinkSync('../outside', path.join(vol, 'up'));
    symlinkSync('real', path.join(vol, 'alias'));
    symlinkSync(path.join(dir, 'nowhere'), path.join(vol, 'dangling'));

    assert.throws(() => resolveSubPath(vol, 'root'), refused, 'a symlink to / (the CVE-2017-1002101 case)');
    assert.throws(() => resolveSubPath(vol, 'up'), refused, 'a relative symlink out of the volume');
    assert.throws(() => resolveSubPath(vol, 'root/etc'), refused, 'a path through a symlink out of the volume');
    assert.throws(() => resolveSubPath(vol, 'up/new/dir'), refused, 'a missing path below an escaping symlink');
    assert.equal(existsSync(path.join(outside, 'new')), false, 'nothing created outside the volume');
    assert.throws(() => resolveSubPath(vol, 'dangling/x'), refused);
    assert.equal(existsSync(path.join(dir, 'nowhere')), false, 'a dangling symlink is not followed by mkdir');
    assert.throws(() => resolveSubPath(vol, '../outside'), refused, "'..' is refused outright");
    assert.throws(() => resolveSubPath(vol, 'real/..'), refused);
    assert.throws(() => resolveSubPath(vol, '/etc'), refused, 'absolute');

    assert.equal(resolveSubPath(vol, 'alias/deep'), path.join(vol, 'real', 'deep'), 'a symlink inside the volume resolves to its target');
    assert.equal(resolveSubPath(vol, 'file.conf'), path.join(vol, 'file.conf'));
    assert.equal(resolveSubPath(vol, 'made/one'), path.join(vol, 'made', 'one'));
    assert.ok(lstatSync(path.join(vol, 'made', 'one')).isDirectory(), 'a missing subPath is created as a directory');
    assert.equal(resolveSubPath(vol, 'alias/new'), path.join(vol, 'real', 'new'), 'created through an inside symlink');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
