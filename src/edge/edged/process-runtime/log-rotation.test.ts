import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byAge, createLogTail, rawPath } from './cri-log.js';
import { createProcessRuntime } from './process-runtime.js';
import { pruneLogs } from './run-helpers.js';
import { makePod, readText, rtOptions, sh, shutdown, tempRoot, waitFor } from './test-helpers.js';

const LIMITS = { maxBytes: 4096, maxFiles: 3 };
const BURSTS = 6;
const LINES = 40;

/** Lines `line-<burst>-<i>` padded to 40 bytes: one burst is 1640 bytes, written by one cat. */
function burst(k: number): string {
  let s = '';
  for (let i = 0; i < LINES; i++) s += `line-${k}-${String(i).padStart(3, '0')}`.padEnd(40, '.') + '\n';
  return s;
}

test('the CRI log is rotated at maxBytes, at most maxFiles are kept, and the raw file is truncated once copied', async () => {
  const rootDir = tempRoot();
  const rt = createProcessRuntime(rtOptions(rootDir, { logLimits: LIMITS }));
  // each burst is written once the test lets it (file go-<k>): the raw file never changes while it is truncated
  const script = `k=1; while [ $k -le ${BURSTS} ]; do while [ ! -f go-$k ]; do sleep 0.02; done; cat burst-$k; k=$((k+1)); done; exec sleep 60`;
  const pod = makePod('r1', [sh('main', script)]);
  await rt.syncPod(pod);
  const cwd = join(rootDir, 'pods', 'r1', 'containers', 'main');
  const logDir = join(rootDir, 'pods', 'r1', 'logs', 'main');
  let written = 0;
  for (let k = 1; k <= BURSTS; k++) {
    writeFileSync(join(cwd, `burst-${k}`), burst(k));
    written += burst(k).length;
    writeFileSync(join(cwd, `go-${k}`), '');
    const last = `line-${k}-${String(LINES - 1).padStart(3, '0')}`;
    await waitFor(() => readText(join(logDir, '0.log')).includes(last), `burst ${k} copied`);
  }
  const files = readdirSync(logDir).filter((n) => n.startsWith('0.log'));
  assert.equal(files.length, LIMITS.maxFiles, `files: ${files.join(' ')}`);
  const rotated = files.filter((n) => n !== '0.log').sort(byAge);
  for (const n of rotated) assert.match(n, /^0\.log\.\d{8}-\d{6}(-\d+)?$/);
  for (const n of files) assert.ok(statSync(join(logDir, n)).size <= LIMITS.maxBytes, `${n} within maxBytes`);
  // oldest rotated file, newer one, current: one unbroken run of lines ending with the last one written
  const text = [...rotated, '0.log'].map((n) => readFileSync(join(logDir, n), 'utf8')).join('');
  const got = text.trimEnd().split('\n').map((l) => l.split(' ')[3]?.replace(/\.+$/, '') ?? '');
  const all: string[] = [];
  for (let k = 1; k <= BURSTS; k++) for (let i = 0; i < LINES; i++) all.push(`line-${k}-${String(i).padStart(3, '0')}`);
  assert.ok(got.length < all.length, 'older files were dropped');
  assert.deepEqual(got, all.slice(all.length - got.length), 'no line lost or reordered in what is kept');
  const raw = statSync(rawPath(join(logDir, '0'), 'stdout')).size;
  assert.ok(raw <= LIMITS.maxBytes, `raw file truncated (${raw} bytes of ${written} written)`);
  const state = JSON.parse(readFileSync(join(rootDir, 'pods', 'r1', 'state', 'main.json'), 'utf8')) as { offsets: { stdout: number } };
  assert.equal(state.offsets.stdout, raw, 'the saved offset follows the truncation');
  await shutdown(rt, pod);
});

test('a saved offset beyond the raw file (truncated after it was saved) restarts from 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ke-cri-log-'));
  const base = join(dir, '0');
  writeFileSync(rawPath(base, 'stdout'), 'fresh\n');
  const tail = createLogTail(base, join(dir, '0.log'), { stdout: 5000, stderr: 0 }, () => Date.UTC(2026, 0, 1), LIMITS);
  assert.equal(tail.poll(), true);
  assert.equal(readFileSync(join(dir, '0.log'), 'utf8'), '2026-01-01T00:00:00.000000000Z stdout F fresh\n');
  assert.deepEqual(tail.offsets(), { stdout: 6, stderr: 0 });
});

test('pruneLogs keeps the previous run with its rotated files and drops older runs and their rotations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ke-cri-log-'));
  const names = ['0.log', '0.log.20260101-000000', '1.log', '1.log.20260101-000001', '1.log.20260101-000001-1', '1.stdout.raw', '2.log', '2.stdout.raw', '2.log.notrotated'];
  for (const n of names) writeFileSync(join(dir, n), '');
  pruneLogs(dir, 2);
  assert.deepEqual(readdirSync(dir).sort(), ['1.log', '1.log.20260101-000001', '1.log.20260101-000001-1', '2.log', '2.log.notrotated', '2.stdout.raw']);
});

test('rotations within one second keep their order: the newest files are the ones kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ke-cri-log-'));
  const base = join(dir, '0');
  const tail = createLogTail(base, join(dir, '0.log'), { stdout: 0, stderr: 0 }, () => Date.UTC(2026, 0, 1), { maxBytes: 50, maxFiles: 2 });
  // each line becomes a 43-byte CRI record: one per file
  for (let i = 0; i < 6; i++) {
    appendFileSync(rawPath(base, 'stdout'), `n${i}\n`);
    tail.poll();
  }
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('0.log')).sort(byAge), ['0.log', '0.log.20260101-000000-4']);
  assert.match(readFileSync(join(dir, '0.log.20260101-000000-4'), 'utf8'), / stdout F n4\n$/);
  assert.match(readFileSync(join(dir, '0.log'), 'utf8'), / stdout F n5\n$/);
});
