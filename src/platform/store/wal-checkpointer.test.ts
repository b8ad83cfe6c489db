import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { WalCheckpointer } from './wal-checkpointer.js';

let root = '';
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ke-wal-'));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** The checkpoint sequence number in the WAL header (bytes 12..15, big-endian). */
function walCheckpointSeq(file: string): number {
  const fd = fs.openSync(`${file}-wal`, 'r');
  try {
    const buf = Buffer.alloc(16);
    fs.readSync(fd, buf, 0, 16, 0);
    return buf.readUInt32BE(12);
  } finally {
    fs.closeSync(fd);
  }
}

const tick = () => new Promise<void>((r) => setTimeout(r, 5));

function openDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
  return db;
}

describe('WalCheckpointer', () => {
  it('checkpoints from the worker while the writer never does', async () => {
    const file = path.join(root, 'a.db');
    const db = openDb(file);
    const cp = new WalCheckpointer(db, file, 5000, { requestEvery: 10 });
    try {
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      for (let i = 0; i < 9; i++) cp.noteCommit();
      assert.notEqual(db.pragma('wal_autocheckpoint', { simple: true }), 0); // no worker yet
      cp.noteCommit();
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0); // the worker took over
      const before = fs.statSync(file).size;
      for (let i = 0; i < 200; i++) {
        insert.run('x'.repeat(2000));
        cp.noteCommit();
        if (i % 10 === 0) await tick();
      }
      // Only a checkpoint writes pages into the database file itself.
      for (let i = 0; i < 400 && fs.statSync(file).size <= before + 100_000; i++) await tick();
      assert.ok(fs.statSync(file).size > before + 100_000, `database file is still ${fs.statSync(file).size} bytes`);
    } finally {
      cp.close();
      db.close();
    }
  });

  it('resets the WAL during sustained writes', async () => {
    const file = path.join(root, 'b.db');
    const db = openDb(file);
    const cp = new WalCheckpointer(db, file, 5000, { requestEvery: 16, restartFrames: 256 });
    try {
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      insert.run('first');
      const startSeq = walCheckpointSeq(file);
      for (let i = 0; i < 6000; i++) {
        insert.run('x'.repeat(2000));
        cp.noteCommit();
        if (i % 8 === 0) await new Promise<void>((r) => setImmediate(r));
      }
      // The WAL header's checkpoint sequence grows each time a writer starts the WAL over; without
      // resets these ~6000 frames would all pile up in one WAL (~50 MB).
      assert.ok(walCheckpointSeq(file) >= startSeq + 2, `WAL reset ${walCheckpointSeq(file) - startSeq} times`);
      assert.equal(db.prepare('SELECT count(*) FROM t').pluck().get(), 6001);
    } finally {
      cp.close();
      db.close();
    }
  });

  it('checkpoints on the writer during a synchronous burst that keeps reports out', () => {
    const file = path.join(root, 'c.db');
    const db = openDb(file);
    const cp = new WalCheckpointer(db, file, 5000, { burstCommits: 500 });
    try {
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      insert.run('first');
      const startSeq = walCheckpointSeq(file);
      for (let i = 0; i < 3000; i++) {
        insert.run('x'.repeat(2000));
        cp.noteCommit();
      }
      assert.ok(walCheckpointSeq(file) >= startSeq + 4, `WAL reset ${walCheckpointSeq(file) - startSeq} times`);
    } finally {
      cp.close();
      db.close();
    }
  });

  it('leaves the files alone once close() has returned, even right after the start', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'close-'));
    const file = path.join(dir, 'd.db');
    const db = openDb(file);
    const cp = new WalCheckpointer(db, file, 5000, { requestEvery: 1 });
    db.prepare('INSERT INTO t (v) VALUES (?)').run('x');
    cp.noteCommit(); // starts the worker
    cp.close(); // while it is still starting
    db.close();
    for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f));
    await new Promise<void>((r) => setTimeout(r, 300));
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});
