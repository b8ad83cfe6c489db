import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isKeError } from '../../base/index.js';
import { EdgeDbErrorCode, openEdgeDb } from './edge-db.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'edge-db-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('meta: put, get, update, list by type and namespace, delete', (t) => {
  const db = openEdgeDb(join(tempDir(t), 'nested', 'dir', 'edgecore.db'));
  t.after(() => db.close());
  db.meta.put({ key: 'default/pod/a', type: 'pod', value: '{"v":1}' });
  db.meta.put({ key: 'kube-system/pod/b', type: 'pod', value: '{"v":2}' });
  db.meta.put({ key: 'default/configmap/c', type: 'configmap', value: '{}' });
  db.meta.put({ key: 'default/pod/a', type: 'pod', value: '{"v":3}' });
  assert.deepEqual(db.meta.get('default/pod/a'), { key: 'default/pod/a', type: 'pod', value: '{"v":3}' });
  assert.equal(db.meta.get('default/pod/zzz'), undefined);
  assert.deepEqual(db.meta.listByType('pod').map((r) => r.key), ['default/pod/a', 'kube-system/pod/b']);
  assert.deepEqual(db.meta.listByType('pod', 'default').map((r) => r.key), ['default/pod/a']);
  assert.deepEqual(db.meta.listByType('pod', 'defaul'), []);
  assert.equal(db.meta.count(), 3);
  assert.equal(db.meta.delete('default/pod/a'), true);
  assert.equal(db.meta.delete('default/pod/a'), false);
  assert.equal(db.meta.count(), 2);
  assert.equal(db.integrityOk(), true);
});

test('meta table has KubeEdge columns', (t) => {
  const path = join(tempDir(t), 'edgecore.db');
  openEdgeDb(path).close();
  const raw = new Database(path, { readonly: true });
  t.after(() => raw.close());
  const cols = raw.prepare('PRAGMA table_info(meta)').all() as { name: string; type: string; pk: number }[];
  assert.deepEqual(
    cols.map((c) => [c.name, c.type.toLowerCase(), c.pk]),
    [
      ['key', 'varchar(256)', 1],
      ['type', 'varchar(32)', 0],
      ['value', 'text', 0],
    ],
  );
});

test('upstream: a newer report for the same key replaces the older one and moves to the tail', (t) => {
  const db = openEdgeDb(join(tempDir(t), 'edgecore.db'));
  t.after(() => db.close());
  db.upstream.put('default/podpatch/a', 'm1', 'f1', 1);
  db.upstream.put('default/podpatch/b', 'm2', 'f2', 2);
  db.upstream.put('default/podpatch/a', 'm3', 'f3', 3);
  const rows = db.upstream.peek(10);
  assert.deepEqual(
    rows.map((r) => [r.key, r.msgId, r.frame, r.queuedAt]),
    [
      ['default/podpatch/b', 'm2', 'f2', 2],
      ['default/podpatch/a', 'm3', 'f3', 3],
    ],
  );
  assert.ok((rows[0]?.seq ?? 0) < (rows[1]?.seq ?? 0));
  assert.equal(db.upstream.peek(1).length, 1);
  assert.equal(db.upstream.ackByMsgId('m1'), false, 'the replaced report is gone');
  assert.equal(db.upstream.ackByMsgId('m2'), true);
  assert.equal(db.upstream.count(), 1);
});

test('reopen keeps meta and upstream rows', (t) => {
  const path = join(tempDir(t), 'edgecore.db');
  const a = openEdgeDb(path);
  a.meta.put({ key: 'default/secret/s', type: 'secret', value: '{"data":{}}' });
  a.upstream.put('default/nodepatch/n', 'm1', 'frame', 10);
  a.close();
  a.close();
  const b = openEdgeDb(path, { synchronous: 'FULL' });
  t.after(() => b.close());
  assert.equal(b.meta.get('default/secret/s')?.value, '{"data":{}}');
  assert.deepEqual(b.upstream.peek(5).map((r) => r.msgId), ['m1']);
});

test('transaction commits together and rolls back on a throw', (t) => {
  const db = openEdgeDb(join(tempDir(t), 'edgecore.db'));
  t.after(() => db.close());
  db.transaction(() => {
    db.meta.put({ key: 'default/pod/a', type: 'pod', value: '{}' });
    db.meta.put({ key: 'default/podpatch/a', type: 'podpatch', value: '{}' });
  });
  assert.equal(db.meta.count(), 2);
  assert.throws(
    () =>
      db.transaction(() => {
        db.meta.delete('default/pod/a');
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(db.meta.count(), 2);
});

test('a file that is not SQLite is refused with KE_STORE_EDGE_DB_CORRUPT naming the path', (t) => {
  const path = join(tempDir(t), 'edgecore.db');
  writeFileSync(path, 'this is not a database, just some text that is long enough to have a header '.repeat(20));
  assert.throws(
    () => openEdgeDb(path),
    (err: unknown) => isKeError(err, EdgeDbErrorCode.corrupt) && err.details?.['path'] === path,
  );
});

test('meta.onChange: after each committed write, after the commit inside a transaction, never for a rollback', (t) => {
  const db = openEdgeDb(join(tempDir(t), 'edgecore.db'));
  t.after(() => db.close());
  const seen: string[] = [];
  const off = db.meta.onChange((key, row) => {
    // The row is committed (visible to a read) when the listener runs.
    assert.equal(db.meta.get(key)?.value, row?.value);
    seen.push(row === undefined ? `-${key}` : `+${key}=${row.value}`);
  });
  db.meta.put({ key: 'default/pod/a', type: 'pod', value: '1' });
  assert.equal(db.meta.delete('default/pod/zzz'), false);
  db.transaction(() => {
    db.meta.put({ key: 'default/pod/b', type: 'pod', value: '2' });
    assert.deepEqual(seen, ['+default/pod/a=1'], 'nothing reported before the commit');
    db.meta.delete('default/pod/a');
    try {
      db.transaction(() => {
        db.meta.put({ key: 'default/pod/c', type: 'pod', value: '3' });
        throw new Error('inner rollback');
      });
    } catch {
      // the inner savepoint is rolled back, the outer transaction goes on
    }
  });
  assert.throws(() =>
    db.transaction(() => {
      db.meta.put({ key: 'default/pod/d', type: 'pod', value: '4' });
      throw new Error('rollback');
    }),
  );
  assert.equal(db.meta.get('default/pod/d'), undefined);
  assert.deepEqual(seen, ['+default/pod/a=1', '+default/pod/b=2', '-default/pod/a']);
  // A throwing listener does not undo the write nor stop the others.
  const off2 = db.meta.onChange(() => {
    throw new Error('listener bug');
  });
  db.meta.put({ key: 'default/pod/e', type: 'pod', value: '5' });
  assert.equal(db.meta.get('default/pod/e')?.value, '5');
  assert.equal(seen.at(-1), '+default/pod/e=5');
  off();
  off2();
  db.meta.put({ key: 'default/pod/f', type: 'pod', value: '6' });
  assert.equal(seen.length, 4);
});
