import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { isKeError, type JsonObject } from '../../base/index.js';
import { SqliteStoreErrorCodes, StoreErrorCodes, openSqliteStore, type SqliteStore, type SqliteStoreOptions, type StoreEvent } from './index.js';

let root = '';
let n = 0;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ke-store-'));
});
after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** A fresh database file path. */
function dbPath(): string {
  return path.join(root, `store-${++n}.db`);
}

/** Opens a store, runs the body, closes the store even when the body fails. */
async function withStore(opts: Partial<SqliteStoreOptions>, body: (s: SqliteStore, file: string) => void | Promise<void>): Promise<void> {
  const file = opts.path ?? dbPath();
  const s = openSqliteStore({ ...opts, path: file });
  try {
    await body(s, file);
  } finally {
    s.close();
  }
}

const code = (c: string) => (err: unknown) => isKeError(err, c);
const obj = (v: JsonObject) => () => v;
/** Waits until queued watch deliveries have run. */
const settle = () => new Promise<void>((r) => setImmediate(() => setImmediate(r)));

function collect(s: SqliteStore, prefix: string, after: number): { events: StoreEvent[]; stop: () => void } {
  const events: StoreEvent[] = [];
  const h = s.watch(prefix, after, (e) => events.push(e));
  return { events, stop: () => h.stop() };
}

const summary = (events: readonly StoreEvent[]) => events.map((e) => `${e.revision} ${e.type} ${e.key}`);

describe('SqliteStore writes', () => {
  it('creates, updates and deletes with one global revision', () =>
    withStore({}, (s) => {
      assert.equal(s.currentRevision(), 0);
      const a = s.create('/core/pods/ns/a', (rev) => ({ rev }));
      assert.deepEqual(a, { key: '/core/pods/ns/a', value: { rev: 1 }, createRevision: 1, modRevision: 1 });
      assert.equal(s.create('/core/pods/ns/b', obj({ x: 1 })).modRevision, 2);
      const a2 = s.update('/core/pods/ns/a', (rev) => ({ rev, v: 2 }));
      assert.deepEqual(a2, { key: '/core/pods/ns/a', value: { rev: 3, v: 2 }, createRevision: 1, modRevision: 3 });
      assert.equal(s.get('/core/pods/ns/a'), a2);
      const gone = s.delete('/core/pods/ns/a');
      assert.deepEqual(gone, { key: '/core/pods/ns/a', value: { rev: 3, v: 2 }, createRevision: 1, modRevision: 4 });
      assert.equal(s.get('/core/pods/ns/a'), undefined);
      assert.equal(s.currentRevision(), 4);
      assert.equal(s.count('/core/pods/'), 1);
    }));

  it('stores a frozen deep copy of what the builder returns', () =>
    withStore({}, (s) => {
      const input: JsonObject = { spec: { list: [1, { a: 'b' }] }, dropped: undefined };
      const e = s.create('/core/configmaps/ns/c', () => input);
      (input['spec'] as { list: unknown[] }).list.push(99);
      assert.deepEqual(e.value, { spec: { list: [1, { a: 'b' }] } });
      assert.ok(!('dropped' in e.value));
      assert.ok(Object.isFrozen(e) && Object.isFrozen(e.value) && Object.isFrozen(e.value['spec']));
      assert.throws(() => {
        (e.value as JsonObject)['x'] = 1;
      }, TypeError);
    }));

  it('throws exists, not-found and conflict without consuming a revision', () =>
    withStore({}, (s) => {
      s.create('/core/pods/ns/a', obj({}));
      assert.throws(() => s.create('/core/pods/ns/a', obj({})), code(StoreErrorCodes.exists));
      assert.throws(() => s.update('/core/pods/ns/zz', obj({})), code(StoreErrorCodes.notFound));
      assert.throws(() => s.delete('/core/pods/ns/zz'), code(StoreErrorCodes.notFound));
      assert.throws(() => s.update('/core/pods/ns/a', obj({}), 7), code(StoreErrorCodes.conflict));
      assert.throws(() => s.delete('/core/pods/ns/a', 7), code(StoreErrorCodes.conflict));
      assert.equal(s.currentRevision(), 1);
      assert.equal(s.update('/core/pods/ns/a', obj({ v: 2 }), 1).modRevision, 2);
      assert.equal(s.delete('/core/pods/ns/a', 2).modRevision, 3);
    }));

  it('writes nothing and keeps the revision when the builder throws or misbehaves', () =>
    withStore({}, async (s, file) => {
      s.create('/core/pods/ns/a', obj({ v: 1 }));
      assert.throws(() => s.create('/core/pods/ns/b', () => { throw new Error('boom'); }), /boom/);
      assert.throws(() => s.update('/core/pods/ns/a', () => { throw new Error('boom'); }), /boom/);
      assert.throws(() => s.create('/core/pods/ns/c', () => [1, 2] as unknown as JsonObject), code(SqliteStoreErrorCodes.invalid));
      assert.throws(() => s.create('/core/pods/ns/d', () => ({ n: 1n }) as unknown as JsonObject), code(SqliteStoreErrorCodes.invalid));
      assert.throws(
        () => s.create('/core/pods/ns/e', () => (s.create('/core/pods/ns/f', obj({})), {})),
        code(SqliteStoreErrorCodes.reentrant),
      );
      assert.equal(s.currentRevision(), 1);
      assert.equal(s.get('/core/pods/ns/b'), undefined);
      assert.deepEqual(s.get('/core/pods/ns/a')?.value, { v: 1 });
      assert.equal(s.create('/core/pods/ns/b', (rev) => ({ rev })).modRevision, 2);
      await s.sync();
      const db = new Database(file, { readonly: true });
      try {
        assert.deepEqual(db.prepare('SELECT rev FROM events ORDER BY rev').pluck().all(), [1, 2]);
      } finally {
        db.close();
      }
    }));

  it('throws KE_STORE_CLOSED after close', () => {
    const s = openSqliteStore({ path: ':memory:' });
    s.create('/a/b/c', obj({}));
    s.close();
    s.close();
    assert.throws(() => s.get('/a/b/c'), code(StoreErrorCodes.closed));
    assert.throws(() => s.list('/a/b/'), code(StoreErrorCodes.closed));
    assert.throws(() => s.create('/a/b/d', obj({})), code(StoreErrorCodes.closed));
    assert.throws(() => s.watch('/a/', 0, () => undefined), code(StoreErrorCodes.closed));
    assert.throws(() => s.currentRevision(), code(StoreErrorCodes.closed));
  });

  it('rejects keys that SQLite cannot store as given', () =>
    withStore({}, (s) => {
      assert.throws(() => s.create('', obj({})), code(SqliteStoreErrorCodes.invalid));
      assert.throws(() => s.create('/a/b/\ud800x', obj({})), code(SqliteStoreErrorCodes.invalid));
      assert.equal(s.create('/a/b/\ud83d\ude00', obj({})).modRevision, 1);
      assert.equal(s.currentRevision(), 1);
    }));
});

describe('SqliteStore list and count', () => {
  const keys = ['/core/pods/ns1/b', '/core/pods/ns1/a', '/core/pods/ns10/a', '/core/podsx/ns1/a', '/core/pods', '/core/pods/ns2/z', '/apps/deployments/ns1/a'];

  it('returns keys under an exact string prefix in ascending order', () =>
    withStore({}, (s) => {
      for (const k of keys) s.create(k, obj({ k }));
      const list = (p: string) => s.list(p).entries.map((e) => e.key);
      assert.deepEqual(list('/core/pods/'), ['/core/pods/ns1/a', '/core/pods/ns1/b', '/core/pods/ns10/a', '/core/pods/ns2/z']);
      assert.deepEqual(list('/core/pods/ns1/'), ['/core/pods/ns1/a', '/core/pods/ns1/b']);
      assert.deepEqual(list('/core/podsx/'), ['/core/podsx/ns1/a']);
      assert.deepEqual(list('/core/pods'), ['/core/pods', ...list('/core/pods/'), '/core/podsx/ns1/a']);
      assert.deepEqual(list('/core/'), list('/core/pods'));
      assert.deepEqual(list(''), [...keys].sort());
      assert.deepEqual(list('/core/nodes/'), []);
      assert.equal(s.count('/core/pods/'), 4);
      assert.equal(s.count('/core/pods/ns1/'), 2);
      assert.equal(s.count('/core/pods'), 6);
      assert.equal(s.count(''), keys.length);
      assert.equal(s.list('/core/pods/').revision, keys.length);
    }));

  it('pages with startAfter, limit, filter and remaining', () =>
    withStore({}, (s) => {
      const all: string[] = [];
      for (let i = 0; i < 25; i++) {
        const k = `/core/pods/ns/p${String(i).padStart(2, '0')}`;
        all.push(k);
        s.create(k, obj({ i }));
      }
      s.create('/core/pods/nt/x', obj({ i: 100 }));
      let page = s.list('/core/pods/ns/', { limit: 10 });
      assert.deepEqual(page.entries.map((e) => e.key), all.slice(0, 10));
      assert.equal(page.remaining, 15);
      page = s.list('/core/pods/ns/', { limit: 10, startAfter: all[9]! });
      assert.deepEqual(page.entries.map((e) => e.key), all.slice(10, 20));
      assert.equal(page.remaining, 5);
      page = s.list('/core/pods/ns/', { limit: 10, startAfter: all[19]! });
      assert.deepEqual(page.entries.map((e) => e.key), all.slice(20));
      assert.equal(page.remaining, 0);
      // startAfter need not be an existing key, and one below the prefix starts at the prefix.
      assert.equal(s.list('/core/pods/ns/', { startAfter: '/core/pods/ns/p04x' }).entries[0]?.key, all[5]);
      assert.equal(s.list('/core/pods/ns/', { startAfter: '/a' }).entries.length, 25);
      assert.equal(s.list('/core/pods/ns/', { startAfter: '/z' }).entries.length, 0);
      assert.equal(s.list('/core/pods/ns/', { limit: 0 }).entries.length, 25);
      const even = (e: { value: Readonly<JsonObject> }) => Number(e.value['i']) % 2 === 0;
      page = s.list('/core/pods/ns/', { limit: 4, filter: even });
      assert.deepEqual(page.entries.map((e) => e.value['i']), [0, 2, 4, 6]);
      assert.equal(page.remaining, 9);
      page = s.list('/core/pods/ns/', { limit: 4, filter: even, startAfter: page.entries[3]!.key });
      assert.deepEqual(page.entries.map((e) => e.value['i']), [8, 10, 12, 14]);
      assert.equal(page.remaining, 5);
      page = s.list('/core/pods/', { filter: (e) => e.value['i'] === 100 });
      assert.deepEqual(page.entries.map((e) => e.key), ['/core/pods/nt/x']);
      assert.throws(() => s.list('/core/pods/', { limit: -1 }), code(SqliteStoreErrorCodes.invalid));
    }));

  it('keeps order and counts right across many inserts and deletes', () =>
    withStore({ historyLimit: 100 }, (s) => {
      const live = new Set<string>();
      let seed = 7;
      const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let i = 0; i < 3000; i++) {
        const k = `/core/pods/ns${Math.floor(rnd() * 3)}/p${Math.floor(rnd() * 1500)}`;
        if (live.has(k) && rnd() < 0.5) {
          s.delete(k);
          live.delete(k);
        } else if (!live.has(k)) {
          s.create(k, obj({}));
          live.add(k);
        }
      }
      assert.deepEqual(s.list('/core/pods/').entries.map((e) => e.key), [...live].sort());
      assert.equal(s.count('/core/pods/ns1/'), [...live].filter((k) => k.startsWith('/core/pods/ns1/')).length);
      assert.deepEqual(s.integrityCheck(), []);
    }));
});

describe('SqliteStore watch', () => {
  it('replays retained events after a revision, then streams live ones, never synchronously', () =>
    withStore({}, async (s) => {
      s.create('/core/pods/ns/a', obj({ v: 1 }));
      s.create('/core/pods/ns/b', obj({ v: 1 }));
      s.create('/core/podsx/ns/a', obj({ v: 1 }));
      s.update('/core/pods/ns/a', obj({ v: 2 }));
      const w = collect(s, '/core/pods/', 1);
      const all = collect(s, '', 0);
      assert.equal(w.events.length, 0);
      s.delete('/core/pods/ns/b');
      s.create('/core/pods/ns/c', obj({ v: 1 }));
      assert.equal(w.events.length, 0);
      await settle();
      assert.deepEqual(summary(w.events), ['2 create /core/pods/ns/b', '4 update /core/pods/ns/a', '5 delete /core/pods/ns/b', '6 create /core/pods/ns/c']);
      assert.equal(all.events.length, 6);
      const [created, updated, deleted] = w.events;
      assert.ok(created && !('prev' in created));
      assert.deepEqual(updated?.prev, { v: 1 });
      assert.deepEqual(updated?.value, { v: 2 });
      assert.deepEqual(deleted?.value, { v: 1 });
      assert.deepEqual(deleted?.prev, { v: 1 });
      s.update('/core/pods/ns/c', obj({ v: 2 }));
      await settle();
      assert.deepEqual(summary(w.events).slice(4), ['7 update /core/pods/ns/c']);
      w.stop();
      all.stop();
    }));

  it('from a revision above the current one delivers only later events', () =>
    withStore({}, async (s) => {
      s.create('/core/pods/ns/a', obj({}));
      const w = collect(s, '/core/pods/', 3);
      for (const k of ['b', 'c', 'd']) s.create(`/core/pods/ns/${k}`, obj({}));
      await settle();
      assert.deepEqual(summary(w.events), ['4 create /core/pods/ns/d']);
      w.stop();
    }));

  it('stop() ends delivery at once, even in the middle of a batch', () =>
    withStore({}, async (s) => {
      const a = collect(s, '/core/pods/', 0);
      const b: StoreEvent[] = [];
      const hb = s.watch('/core/pods/', 0, (e) => {
        b.push(e);
        hb.stop();
      });
      s.create('/core/pods/ns/a', obj({}));
      s.create('/core/pods/ns/b', obj({}));
      a.stop();
      await settle();
      assert.equal(a.events.length, 0);
      assert.deepEqual(summary(b), ['1 create /core/pods/ns/a']);
      const c = collect(s, '/core/pods/', 0); // backlog of 2 pending
      c.stop();
      await settle();
      assert.equal(c.events.length, 0);
    }));

  it('routes events to many watchers by exact prefix', () =>
    withStore({}, async (s) => {
      const prefixes = ['', '/', '/core/', '/core/pods', '/core/pods/', '/core/pods/ns1/', '/core/pods/ns1', '/core/podsx/', '/apps/deployments/'];
      const watchers = Array.from({ length: 1000 }, (_, i) => ({ prefix: prefixes[i % prefixes.length]!, ...collect(s, prefixes[i % prefixes.length]!, 0) }));
      const keys = ['/core/pods/ns1/a', '/core/pods/ns10/a', '/core/podsx/ns1/a', '/apps/deployments/ns1/a', '/core/pods', 'odd'];
      for (const k of keys) s.create(k, obj({}));
      await settle();
      for (const w of watchers) {
        assert.deepEqual(w.events.map((e) => e.key), keys.filter((k) => k.startsWith(w.prefix)), w.prefix);
        w.stop();
      }
    }));

  it('hands what a callback throws to onWatchError and keeps delivering to others', () => {
    const errors: unknown[] = [];
    return withStore({ onWatchError: (err) => errors.push(err) }, async (s) => {
      s.watch('/core/', 0, () => {
        throw new Error('bad watcher');
      });
      const ok = collect(s, '/core/', 0);
      s.create('/core/pods/ns/a', obj({}));
      s.create('/core/pods/ns/b', obj({}));
      await settle();
      assert.equal(errors.length, 2);
      assert.equal(ok.events.length, 2);
      ok.stop();
    });
  });

  it('compacts the history beyond historyLimit and refuses older watches', () =>
    withStore({ historyLimit: 5 }, async (s, file) => {
      for (let i = 0; i < 10; i++) s.create(`/core/pods/ns/p${i}`, obj({ i }));
      assert.equal(s.compactedRevision(), 5);
      assert.throws(() => s.watch('/core/pods/', 4, () => undefined), code(StoreErrorCodes.compacted));
      const w = collect(s, '/core/pods/', 5);
      await settle();
      assert.deepEqual(w.events.map((e) => e.revision), [6, 7, 8, 9, 10]);
      s.compact(8);
      assert.equal(s.compactedRevision(), 8);
      assert.throws(() => s.watch('/core/pods/', 7, () => undefined), code(StoreErrorCodes.compacted));
      s.compact(3); // older than the compacted revision: no-op
      s.compact(1000); // clamps to the current revision
      assert.equal(s.compactedRevision(), 10);
      s.create('/core/pods/ns/q', obj({}));
      await settle();
      assert.deepEqual(w.events.map((e) => e.revision), [6, 7, 8, 9, 10, 11]);
      w.stop();
      assert.deepEqual(s.integrityCheck(), []);
      const db = new Database(file, { readonly: true });
      try {
        assert.deepEqual(db.prepare('SELECT rev FROM events ORDER BY rev').pluck().all(), [11]);
      } finally {
        db.close();
      }
    }));
});

describe('SqliteStore persistence', () => {
  it('keeps objects, revision, compaction and history across a restart', async () => {
    const file = dbPath();
    await withStore({ path: file, historyLimit: 6 }, (s) => {
      for (let i = 0; i < 8; i++) s.create(`/core/pods/ns/p${i}`, (rev) => ({ i, rev }));
      s.update('/core/pods/ns/p1', obj({ i: 1, updated: true }));
      s.delete('/core/pods/ns/p7'); // rev 10: the highest revision is a delete
    });
    await withStore({ path: file, historyLimit: 6 }, async (s) => {
      assert.equal(s.currentRevision(), 10);
      assert.equal(s.compactedRevision(), 4);
      assert.equal(s.count('/core/pods/'), 7);
      assert.deepEqual(s.get('/core/pods/ns/p1'), { key: '/core/pods/ns/p1', value: { i: 1, updated: true }, createRevision: 2, modRevision: 9 });
      assert.throws(() => s.watch('/core/pods/', 3, () => undefined), code(StoreErrorCodes.compacted));
      const w = collect(s, '/core/pods/', 4);
      assert.equal(s.create('/core/pods/ns/new', obj({})).modRevision, 11);
      await settle();
      assert.deepEqual(summary(w.events), [
        '5 create /core/pods/ns/p4',
        '6 create /core/pods/ns/p5',
        '7 create /core/pods/ns/p6',
        '8 create /core/pods/ns/p7',
        '9 update /core/pods/ns/p1',
        '10 delete /core/pods/ns/p7',
        '11 create /core/pods/ns/new',
      ]);
      assert.deepEqual(w.events[4]?.prev, { i: 1, rev: 2 });
      assert.deepEqual(w.events[5]?.value, { i: 7, rev: 8 });
      w.stop();
      assert.deepEqual(s.integrityCheck(), []);
      for (const e of s.list('').entries) s.delete(e.key);
      s.compact(s.currentRevision());
    });
    await withStore({ path: file }, (s) => {
      assert.equal(s.count(''), 0);
      assert.equal(s.currentRevision(), 19);
      assert.equal(s.create('/core/pods/ns/again', obj({})).modRevision, 20);
      assert.deepEqual(s.integrityCheck(), []);
    });
    // A smaller history limit trims at open.
    await withStore({ path: file, historyLimit: 0 }, (s) => {
      assert.equal(s.compactedRevision(), 20);
      assert.deepEqual(s.integrityCheck(), []);
    });
  });

  it('keeps every write acknowledged by sync() when the process is killed with SIGKILL', async () => {
    const file = dbPath();
    const script = path.join(root, `writer-${n}.mts`);
    const storeUrl = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'sqlite-store.ts')).href;
    fs.writeFileSync(
      script,
      `import { openSqliteStore } from ${JSON.stringify(storeUrl)};
       const s = openSqliteStore({ path: ${JSON.stringify(file)}, historyLimit: 50 });
       for (let i = 0; i < 1500; i++) s.create('/core/pods/ns/p' + i, (rev) => ({ rev, pad: 'x'.repeat(1500) }));
       for (let i = 0; i < 100; i++) s.delete('/core/pods/ns/p' + i);
       await s.sync();
       process.kill(process.pid, 'SIGKILL');`,
    );
    const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const res = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repo, encoding: 'utf8' });
    assert.equal(res.signal, 'SIGKILL', res.stderr);
    await withStore({ path: file, historyLimit: 50 }, (s) => {
      assert.equal(s.currentRevision(), 1600);
      assert.equal(s.count('/core/pods/'), 1400);
      assert.equal(s.compactedRevision(), 1550);
      assert.equal(s.get('/core/pods/ns/p1499')?.value['rev'], 1500);
      assert.deepEqual(s.integrityCheck(), []);
    });
  });

  it('reports KE_STORE_CORRUPT with the key for an unreadable row at open', async () => {
    const file = dbPath();
    await withStore({ path: file }, (s) => {
      s.create('/core/pods/ns/good', obj({}));
      s.create('/core/pods/ns/bad', obj({}));
    });
    const db = new Database(file);
    db.prepare("UPDATE kv SET value = '{not json' WHERE key = ?").run('/core/pods/ns/bad');
    db.close();
    assert.throws(
      () => openSqliteStore({ path: file }),
      (err: unknown) => isKeError(err, StoreErrorCodes.corrupt) && err.details?.['key'] === '/core/pods/ns/bad',
    );
  });

  it('integrityCheck is empty for a sound store and reports tampering', () =>
    withStore({ historyLimit: 20 }, (s, file) => {
      for (let i = 0; i < 40; i++) s.create(`/core/pods/ns/p${i}`, obj({ i }));
      for (let i = 0; i < 10; i++) s.update(`/core/pods/ns/p${i}`, obj({ i, u: true }));
      s.delete('/core/pods/ns/p39');
      assert.deepEqual(s.integrityCheck(), []);
      const other = new Database(file);
      try {
        other.prepare(`UPDATE kv SET value = '{"i":"tampered"}' WHERE key = '/core/pods/ns/p3'`).run();
        assert.ok(s.integrityCheck().some((p) => p.includes('/core/pods/ns/p3')));
        other.prepare(`UPDATE kv SET value = '{"i":3,"u":true}' WHERE key = '/core/pods/ns/p3'`).run();
        assert.deepEqual(s.integrityCheck(), []);
        other.prepare(`UPDATE kv SET mod_rev = 999 WHERE key = '/core/pods/ns/p4'`).run();
        other.prepare(`DELETE FROM events WHERE rev = (SELECT max(rev) FROM events)`).run();
        other.prepare(`INSERT INTO kv (key, value, create_rev, mod_rev) VALUES ('/core/pods/ns/ghost', '{}', 1, 1)`).run();
        const problems = s.integrityCheck();
        assert.ok(problems.some((p) => p.includes('/core/pods/ns/p4')), problems.join('\n'));
        assert.ok(problems.some((p) => p.includes('/core/pods/ns/ghost')), problems.join('\n'));
        assert.ok(problems.some((p) => p.startsWith('events:')), problems.join('\n'));
      } finally {
        other.close();
      }
    }));
});

describe('SqliteStore group commit', () => {
  it('applies writes to memory at once and commits them together; sync() resolves once they are in the file', () =>
    withStore({}, async (s, file) => {
      for (let i = 0; i < 50; i++) s.create(`/core/configmaps/ns/c${i}`, (rev) => ({ rev }));
      assert.equal(s.count('/core/configmaps/'), 50, 'readers see the writes before they are committed');
      await s.sync();
      const db = new Database(file, { readonly: true });
      try {
        assert.equal(db.prepare('SELECT count(*) FROM kv').pluck().get(), 50);
        assert.equal(db.prepare('SELECT max(rev) FROM events').pluck().get(), 50);
      } finally {
        db.close();
      }
      await s.sync(); // nothing pending: resolves at once
    }));
});
