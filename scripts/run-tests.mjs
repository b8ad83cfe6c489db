#!/usr/bin/env node
// Runs test suites with Node's test runner (through tsx).
//
//   node scripts/run-tests.mjs [unit] [integration] [e2e] [-- extra node --test flags]
//
//   unit         src/**/*.test.ts
//   integration  test/integration/**/*.test.ts
//   e2e          test/e2e/**/*.test.ts
//
// Node 20's --test takes no globs, so the files are listed here. All selected files go to ONE
// runner invocation, so the summary at the end (# tests / # pass / # fail) covers everything; the
// exit code is the runner's. TEST_CONCURRENCY overrides the number of test files run in parallel
// (default: the CPU count, at most 4; each integration/e2e file boots its own servers).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SUITES = {
  unit: 'src',
  integration: 'test/integration',
  e2e: 'test/e2e',
};

const SKIP_DIRS = new Set(['node_modules', '.git', '.cache', 'dist', '.kubeedge']);

function findTests(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (err && err.code === 'ENOENT') return out;
    throw err;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) out.push(...findTests(full));
    } else if (e.isFile() && e.name.endsWith('.test.ts')) {
      out.push(full);
    }
  }
  return out;
}

function usage(msg) {
  if (msg) process.stderr.write(`run-tests: ${msg}\n`);
  process.stderr.write(`usage: node scripts/run-tests.mjs [${Object.keys(SUITES).join('] [')}] [-- node --test flags]\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const names = dash >= 0 ? argv.slice(0, dash) : argv;
const extra = dash >= 0 ? argv.slice(dash + 1) : [];
const suites = names.length > 0 ? names : Object.keys(SUITES);
for (const s of suites) if (!(s in SUITES)) usage(`unknown suite '${s}'`);

const files = [];
for (const s of suites) {
  const found = findTests(path.join(ROOT, SUITES[s])).sort();
  process.stdout.write(`# run-tests: ${s}: ${found.length} file(s)\n`);
  files.push(...found.map((f) => path.relative(ROOT, f)));
}

if (files.length === 0) {
  // Never call `node --test` without files: it would fall back to its own search patterns.
  process.stdout.write('# run-tests: no test files found\n');
  process.exit(0);
}

const envConcurrency = Number.parseInt(process.env.TEST_CONCURRENCY ?? '', 10);
const concurrency = Number.isInteger(envConcurrency) && envConcurrency > 0 ? envConcurrency : Math.max(1, Math.min(availableParallelism(), 4));

const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...extra, ...files];
process.stdout.write(`# run-tests: node ${args.slice(0, 4 + extra.length).join(' ')} <${files.length} files>\n`);

const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: process.env });

const forward = (sig) => {
  if (child.exitCode === null) child.kill(sig);
};
process.on('SIGINT', () => forward('SIGINT'));
process.on('SIGTERM', () => forward('SIGTERM'));

child.on('error', (err) => {
  process.stderr.write(`run-tests: cannot start node: ${err.message}\n`);
  process.exit(1);
});
child.on('close', (code, signal) => {
  if (signal) {
    process.stderr.write(`run-tests: test runner killed by ${signal}\n`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
