/**
 * Real edge nodes for e2e tests: `keadm gettoken` on the cloud's data dir, then `keadm join` (which
 * bootstraps the certificate, writes E/config/edgecore.yaml and runs edgecore in the foreground) as a
 * ManagedProcess; ready when the Node is Ready in the API. Stop, SIGKILL, restart (`edgecore --config
 * E/config/edgecore.yaml` on the same dir) and read the edge SQLite (E/edgecore.db, table
 * `meta(key, type, value)`) read-only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { onExitCleanup, type CleanupOwner } from './cleanup.js';
import type { HttpsClient } from './https-client.js';
import { arr, isRecord, str } from './json.js';
import { freePort, waitUntil } from './net.js';
import { ManagedProcess, runCommand, type ExitInfo, type RunResult } from './process.js';
import { REPO_ROOT } from './repo.js';
import { createTempDir, type TempDir } from './temp-dir.js';

/** What joining needs from a cloud: a CloudcoreHandle, or the cloud `keadm init` started (KeadmCloud). */
export interface EdgeCloud {
  readonly dataDir: string;
  readonly hubPort: number;
  readonly certPort: number;
  /** Admin client of the API server the cloud uses. */
  readonly client: HttpsClient;
}

const TOKEN_RE = /\b([0-9a-f]{64}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\b/;

function binArgs(bin: 'keadm' | 'edgecore'): string[] {
  return process.env['CLOUDCORE_LAUNCHER'] === 'bin' ? [`bin/${bin}.mjs`] : ['--import', 'tsx', `src/cmd/${bin}/main.ts`];
}

/** Runs `keadm <args>` to completion (default timeout 60 s). */
export function runKeadm(args: readonly string[], opts: { readonly timeoutMs?: number; readonly env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return runCommand(process.execPath, [...binArgs('keadm'), ...args], { cwd: REPO_ROOT, env: opts.env ?? process.env, timeoutMs: opts.timeoutMs ?? 60_000 });
}

/** `keadm gettoken --data-dir <cloud data dir>`: the token (`sha256hex(CA).JWT`) it prints. */
export async function getToken(cloud: EdgeCloud): Promise<string> {
  const r = await runKeadm(['gettoken', '--data-dir', cloud.dataDir]);
  const m = TOKEN_RE.exec(r.stdout);
  if (r.code !== 0 || m?.[1] === undefined) {
    throw new Error(`keadm gettoken failed (exit ${String(r.code)}):\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
  return m[1];
}

/** The arguments of `keadm join` against `cloud`. */
export function joinArgs(
  cloud: EdgeCloud,
  opts: { readonly token: string; readonly nodeName: string; readonly dataDir: string; readonly runtime?: string; readonly extraArgs?: readonly string[] },
): string[] {
  return [
    'join',
    '--cloudcore-ipport',
    `127.0.0.1:${cloud.hubPort}`,
    '--certport',
    String(cloud.certPort),
    '--token',
    opts.token,
    '--node-name',
    opts.nodeName,
    '--runtime',
    opts.runtime ?? 'hollow',
    '--data-dir',
    opts.dataDir,
    ...(opts.extraArgs ?? []),
  ];
}

export interface MetaDbRow {
  readonly key: string;
  readonly type: string;
  readonly value: string;
}

/** Reads the `meta` table of an edge database read-only (no rows when the file or table is missing). */
export function readEdgeDb(dbFile: string, type?: string): MetaDbRow[] {
  const out: MetaDbRow[] = [];
  for (const r of readEdgeTable(dbFile, 'meta')) {
    if (typeof r['key'] === 'string' && typeof r['type'] === 'string' && typeof r['value'] === 'string' && (type === undefined || r['type'] === type)) {
      out.push({ key: r['key'], type: r['type'], value: r['value'] });
    }
  }
  return out;
}

/** All rows of a table of an edge database (read-only; [] when the file or table is missing). */
export function readEdgeTable(dbFile: string, table: string): Record<string, unknown>[] {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`bad table name ${table}`);
  let db: Database.Database;
  try {
    db = new Database(dbFile, { readonly: true, fileMustExist: true });
  } catch {
    return [];
  }
  try {
    db.pragma('busy_timeout = 2000');
    return db
      .prepare(`SELECT * FROM ${table}`)
      .all()
      .filter((r): r is Record<string, unknown> => isRecord(r));
  } catch (err) {
    if (err instanceof Error && /no such table/.test(err.message)) return [];
    throw err;
  } finally {
    db.close();
  }
}

/** The current join token from Secret kubeedge/tokensecret (key tokendata), as `keadm gettoken` reads it. */
export async function tokenFromSecret(client: HttpsClient): Promise<string> {
  const r = await client.get('/api/v1/namespaces/kubeedge/secrets/tokensecret');
  const data = str(r.body, 'data.tokendata');
  if (r.status !== 200 || data === undefined) throw new Error(`no join token in Secret kubeedge/tokensecret: ${r.status} ${r.text.slice(0, 300)}`);
  return Buffer.from(data, 'base64').toString('utf8').trim();
}

/** Whether the Node is Ready=True in the API. */
export async function nodeReady(cloud: EdgeCloud, nodeName: string): Promise<boolean> {
  const r = await cloud.client.get(`/api/v1/nodes/${nodeName}`);
  if (r.status !== 200) return false;
  return arr(r.body, 'status.conditions').some((c) => str(c, 'type') === 'Ready' && str(c, 'status') === 'True');
}

/** The CRI runtime an edge uses (from startContainerd). */
export interface EdgeCri {
  readonly endpoint: string;
  readonly pauseImage: string;
}

export interface JoinEdgeOptions {
  readonly nodeName: string;
  /** Default hollow; cri needs `cri`. */
  readonly runtime?: 'hollow' | 'process' | 'cri';
  readonly cri?: EdgeCri;
  /** More `keadm join` flags. */
  readonly extraArgs?: readonly string[];
  /** Default: a temp dir removed with `owner`. */
  readonly dataDir?: string;
  /** Default: `keadm gettoken` on the cloud. */
  readonly token?: string;
  /** How long to wait for the Node to be Ready (default 90 s). */
  readonly readyTimeoutMs?: number;
  readonly owner?: CleanupOwner;
}

export class EdgeHandle {
  readonly nodeName: string;
  readonly dataDir: string;
  readonly configPath: string;
  readonly dbPath: string;
  /** The edge's metaserver (plain HTTP on a free loopback port). */
  readonly metaserverUrl: string;
  readonly #cloud: EdgeCloud;
  #proc: ManagedProcess;
  readonly #previousLogs: string[] = [];
  #scratch: TempDir | undefined;

  constructor(init: { cloud: EdgeCloud; nodeName: string; dataDir: string; proc: ManagedProcess; scratch: TempDir | undefined; metaserverUrl: string }) {
    this.#cloud = init.cloud;
    this.metaserverUrl = init.metaserverUrl;
    this.nodeName = init.nodeName;
    this.dataDir = init.dataDir;
    this.configPath = path.join(init.dataDir, 'config', 'edgecore.yaml');
    this.dbPath = path.join(init.dataDir, 'edgecore.db');
    this.#proc = init.proc;
    this.#scratch = init.scratch;
  }

  get process(): ManagedProcess {
    return this.#proc;
  }

  get running(): boolean {
    return this.#proc.running;
  }

  get pid(): number {
    return this.#proc.pid;
  }

  /** Output of every run so far (keadm join, then each restart). */
  logs(opts: { readonly tail?: number } = {}): string {
    const all = [...this.#previousLogs, this.#proc.output()].join('\n');
    return opts.tail === undefined ? all : all.split('\n').slice(-opts.tail).join('\n');
  }

  /** Rows of the edge's `meta` table, optionally of one type (`pod`, `configmap`, ...). */
  dbRows(type?: string): MetaDbRow[] {
    return readEdgeDb(this.dbPath, type);
  }

  /** Rows of the durable upstream queue (table `upstream`), whatever its columns are. */
  upstreamRows(): Record<string, unknown>[] {
    return readEdgeTable(this.dbPath, 'upstream');
  }

  /** Keys (`ns/type/name`) of the rows of one type. */
  dbKeys(type?: string): string[] {
    return this.dbRows(type)
      .map((r) => r.key)
      .sort();
  }

  /** The stored object of `key` parsed, or undefined. */
  dbObject(key: string): unknown {
    const row = this.dbRows().find((r) => r.key === key);
    return row === undefined ? undefined : (JSON.parse(row.value) as unknown);
  }

  /** Waits until the Node is Ready=True in the API (fails early when edgecore exits). */
  async waitReady(timeoutMs = 90_000): Promise<void> {
    await waitUntil(
      async () => {
        if (!this.#proc.running) throw new EdgeExitedError(this.nodeName, this.#proc);
        return nodeReady(this.#cloud, this.nodeName);
      },
      { timeoutMs, intervalMs: 250, what: `node ${this.nodeName} Ready` },
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\nedgecore output (tail):\n${this.#proc.output({ tail: 60 })}`, { cause: err });
    });
  }

  /** SIGTERM (escalating to SIGKILL after `timeoutMs`, default 15 s). */
  stop(opts: { readonly timeoutMs?: number } = {}): Promise<ExitInfo & { readonly forced: boolean }> {
    return this.#proc.stop({ timeoutMs: opts.timeoutMs ?? 15_000 });
  }

  kill9(): Promise<ExitInfo> {
    return this.#proc.kill9();
  }

  /** Starts `edgecore --config E/config/edgecore.yaml` (stopping the current run first). Does not wait for Ready. */
  async restart(): Promise<void> {
    if (this.#proc.running) await this.stop();
    this.#previousLogs.push(this.#proc.output(), `----- edgecore restart -----`);
    this.#proc = new ManagedProcess({
      name: `edgecore-${this.nodeName}`,
      command: process.execPath,
      args: [...binArgs('edgecore'), '--config', this.configPath],
      cwd: REPO_ROOT,
    });
  }

  /** stop(), kill what the process runtime left running, then remove the temp dir the harness made (a given dataDir is kept). */
  async dispose(): Promise<void> {
    await this.stop();
    killProcessRuntimePods(path.join(this.dataDir, 'edged'));
    const s = this.#scratch;
    this.#scratch = undefined;
    await s?.remove();
  }
}

/**
 * The process runtime leaves its containers running when edgecore stops (it re-adopts them); a test
 * that ends kills them through their state files (`pods/<uid>/state/<container>.json`, field `pid`).
 */
export function killProcessRuntimePods(rootDir: string): void {
  let pods: string[];
  try {
    pods = readdirSync(path.join(rootDir, 'pods'));
  } catch {
    return;
  }
  for (const uid of pods) {
    const stateDir = path.join(rootDir, 'pods', uid, 'state');
    let files: string[];
    try {
      files = readdirSync(stateDir).filter((f) => f.endsWith('.json'));
    } catch {
      continue;
    }
    for (const f of files) {
      try {
        const state = JSON.parse(readFileSync(path.join(stateDir, f), 'utf8')) as { pid?: unknown; pidStart?: unknown };
        const pid = state.pid;
        // Only the process the state file names: the same pid with another start time is someone else's.
        if (typeof pid === 'number' && pid > 1 && String(state.pidStart) === procStartTime(pid)) process.kill(-pid, 'SIGKILL');
      } catch {
        // gone already, or not a state file
      }
    }
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); '' when the process is gone. */
function procStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

class EdgeExitedError extends Error {
  constructor(nodeName: string, proc: ManagedProcess) {
    super(`edgecore of ${nodeName} exited (code ${String(proc.exitInfo?.code)}, signal ${String(proc.exitInfo?.signal)})`);
  }
}

/** Joins a hollow edge node to `cloud` with the real keadm and waits until its Node is Ready. */
export async function joinEdge(cloud: EdgeCloud, opts: JoinEdgeOptions): Promise<EdgeHandle> {
  const scratch = opts.dataDir === undefined ? await createTempDir({ prefix: `edge-${opts.nodeName}` }) : undefined;
  const dataDir = opts.dataDir ?? path.join(scratch?.path ?? '', 'edge');
  const token = opts.token ?? (await getToken(cloud));
  const metaPort = await freePort();
  const sets = [`modules.metaManager.metaServer.server=127.0.0.1:${metaPort}`];
  const extra: string[] = [];
  if (opts.runtime === 'cri') {
    if (opts.cri === undefined) throw new Error('joinEdge: runtime cri needs opts.cri (from startContainerd)');
    extra.push('--remote-runtime-endpoint', opts.cri.endpoint);
    sets.push(`modules.edged.podSandboxImage=${opts.cri.pauseImage}`);
  }
  extra.push('--set', sets.join(','), ...(opts.extraArgs ?? []));
  const proc = new ManagedProcess({
    name: `keadm-join-${opts.nodeName}`,
    command: process.execPath,
    args: [...binArgs('keadm'), ...joinArgs(cloud, { token, nodeName: opts.nodeName, dataDir, runtime: opts.runtime ?? 'hollow', extraArgs: extra })],
    cwd: REPO_ROOT,
  });
  const edge = new EdgeHandle({ cloud, nodeName: opts.nodeName, dataDir, proc, scratch, metaserverUrl: `http://127.0.0.1:${metaPort}` });
  // Process-runtime pods outlive edgecore: kill them even when the test process dies first.
  if (opts.runtime === 'process') onExitCleanup(() => killProcessRuntimePods(path.join(dataDir, 'edged')));
  opts.owner?.after(() => edge.dispose());
  await edge.waitReady(opts.readyTimeoutMs ?? 90_000);
  return edge;
}
