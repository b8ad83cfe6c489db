import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EntryIndex, bucketOf, prefixEnd } from './entry-index.js';
import type { StoreEntry } from './types.js';

function entry(key: string, rev: number): StoreEntry {
  return { key, value: { rev }, createRevision: rev, modRevision: rev };
}

/** A deterministic pseudo-random generator so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('bucketOf and prefixEnd', () => {
  it('cuts keys after the third slash', () => {
    assert.equal(bucketOf('/core/pods/default/nginx'), '/core/pods/');
    assert.equal(bucketOf('/core/pods/'), '/core/pods/');
    assert.equal(bucketOf('/core/pods'), undefined);
    assert.equal(bucketOf('plain'), undefined);
  });

  it('bounds the keys under a prefix', () => {
    assert.equal(prefixEnd('/core/pods/'), '/core/pods0');
    assert.equal(prefixEnd(''), undefined);
    assert.equal(prefixEnd('a\uffff'), 'b');
  });
});

describe('EntryIndex', () => {
  it('matches a naive model under random writes, lists and counts', () => {
    const random = rng(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const groups = ['/core/pods/', '/core/podsx/', '/apps/deployments/', '/core/', ''];
    const namespaces = ['a/', 'b/', 'ab/', 'é/', ''];
    const index = new EntryIndex();
    const model = new Map<string, StoreEntry>();
    const keyOf = () => `${pick(groups)}${pick(namespaces)}k${Math.floor(random() * 400)}`;
    for (let step = 0; step < 20_000; step++) {
      const key = keyOf();
      if (model.has(key) && random() < 0.45) {
        index.delete(key);
        model.delete(key);
      } else {
        const e = entry(key, step + 1);
        index.set(e);
        model.set(key, e);
      }
      if (step % 500 !== 0) continue;
      assert.deepEqual(index.verify(), []);
      const sorted = [...model.values()].sort((x, y) => (x.key < y.key ? -1 : 1));
      for (let q = 0; q < 40; q++) {
        const prefix = pick([...groups, '/core/pods/a/', '/core/pods/a', '/core/pods', '/', 'x']);
        const startAfter = random() < 0.5 ? undefined : random() < 0.5 ? keyOf() : pick(sorted)?.key;
        const limit = pick([0, 1, 3, 50]);
        const filter = random() < 0.5 ? undefined : (e: StoreEntry) => e.modRevision % 3 !== 0;
        const matching = sorted.filter((e) => e.key.startsWith(prefix) && (startAfter === undefined || e.key > startAfter) && (filter?.(e) ?? true));
        const expected = limit > 0 ? matching.slice(0, limit) : matching;
        const page = index.page(prefix, startAfter, limit, filter);
        const what = JSON.stringify({ prefix, startAfter, limit, filter: filter !== undefined });
        assert.deepEqual(page.entries.map((e) => e.key), expected.map((e) => e.key), what);
        assert.equal(page.remaining, matching.length - expected.length, what);
        assert.equal(index.count(prefix), sorted.filter((e) => e.key.startsWith(prefix)).length, prefix);
      }
    }
    assert.equal(index.size, model.size);
    for (const [k, e] of model) assert.equal(index.get(k), e);
  });

  it('splits and merges chunks on a large bucket', () => {
    const index = new EntryIndex();
    const keys = Array.from({ length: 5000 }, (_, i) => `/core/pods/ns/${String((i * 7919) % 5000).padStart(5, '0')}`);
    keys.forEach((k, i) => index.set(entry(k, i + 1)));
    assert.deepEqual(index.verify(), []);
    for (const k of keys.slice(0, 4900)) index.delete(k);
    assert.deepEqual(index.verify(), []);
    const rest = keys.slice(4900).sort();
    assert.deepEqual(index.page('/core/pods/', undefined, 0, undefined).entries.map((e) => e.key), rest);
    assert.deepEqual(index.page('/core/pods/ns/', rest[49], 10, undefined).entries.map((e) => e.key), rest.slice(50, 60));
    assert.equal(index.page('/core/pods/ns/', rest[49], 10, undefined).remaining, 40);
  });
});
