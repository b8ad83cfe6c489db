/**
 * Starts the real `cloudcore` binary (embedded API server) on loopback with a temp data dir and
 * hands back everything a test needs to talk to it, stop it, SIGKILL it and start it again on the
 * same data dir and port.
 *
 * Contract (src/cmd/cloudcore): `--data-dir DIR --apiserver-bind 127.0.0.1:PORT
 * [--token-auth-file FILE] [--watch-history N]`; PKI in DIR/pki (ca.crt, admin.crt, admin.key),
 * DIR/admin.kubeconfig; pino JSON on stdout; ready when GET /readyz is 200; SIGTERM stops it.
 *
 * The hub (issue 4): every start passes free `--cloudhub-port`, `--cloudhub-https-port` and
 * `--monitor-bind 127.0.0.1:<free>` so parallel tests never collide (`hub: false` passes
 * `--cloudhub-enable false` instead of the two hub ports). The KubeEdge CA is DIR/ca/rootCA.crt|key
 * (`kubeedgeCaPem`, `kubeedgeCaKeyPem`), the monitor serves /metrics and /healthz. With `kubeconfig`
 * (external mode) no embedded API server starts: readiness is the monitor's /healthz and `client`
 * talks to the API server named in that kubeconfig.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CleanupOwner } from './cleanup.js';
import { HttpsClient, type ClientAuth } from './https-client.js';
import { isRecord } from './json.js';
import { readKubeconfigCreds } from './kubeconfig.js';
import { httpGet, sumMetric, tcpOpen } from './monitor.js';
import { freePort } from './net.js';
import { ManagedProcess, type ExitInfo } from './process.js';
import { REPO_ROOT } from './repo.js';
import { createTempDir, exists, type TempDir } from './temp-dir.js';

export interface StaticToken {
  readonly token: string;
  readonly user: string;
  readonly uid: string;
  readonly groups?: readonly string[];
}

/** Writes a Kubernetes static token file: `token,user,uid,"group1,group2"` per line. */
export async function writeTokenFile(file: string, tokens: readonly StaticToken[]): Promise<string> {
  const lines = tokens.map((t) => {
    const base = `${t.token},${t.user},${t.uid}`;
    return t.groups && t.groups.length > 0 ? `${base},"${t.groups.join(',')}"` : base;
  });
  await writeFile(file, lines.join('\n') + '\n', { mode: 0o600 });
  return file;
}

export type Launcher = 'tsx' | 'bin';

export interface CloudcoreOptions {
  /** Default: a fresh temp dir removed with `owner`. Pass the same dir to start on existing data. */
  readonly dataDir?: string;
  /** Default: a free port on 127.0.0.1. */
  readonly port?: number;
  readonly tokenAuthFile?: string;
  /** Convenience: writes these into a token file and passes it (ignored when tokenAuthFile is set). */
  readonly tokens?: readonly StaticToken[];
  /** `--watch-history N`: how many events the server keeps for watch resumption. */
  readonly watchHistory?: number;
  readonly extraArgs?: readonly string[];
  /**
   * Run the embedded scheduler and controllers (`--embedded-controllers`). Default false: most tests
   * exercise the API server alone, and controller tests start the controllers they need themselves.
   */
  readonly controllers?: boolean;
  readonly env?: Readonly<Record<string, string>>;
  /** Run cloudhub (default true); false passes `--cloudhub-enable false` (control plane only). */
  readonly hub?: boolean;
  /**
   * External mode: `--kubeconfig FILE`, no embedded API server (apiserver flags are not passed);
   * readiness is the monitor's /healthz and `client` uses this kubeconfig's server and credentials.
   */
  readonly kubeconfig?: string;
  /** Default: free ports on 127.0.0.1 (kept across restarts). */
  readonly hubPort?: number;
  readonly certPort?: number;
  readonly monitorPort?: number;
  /** Default 90 s (or HARNESS_READY_TIMEOUT_MS). */
  readonly readyTimeoutMs?: number;
  /** `tsx`: node --import tsx src/cmd/cloudcore/main.ts (default); `bin`: node bin/cloudcore.mjs. Env CLOUDCORE_LAUNCHER overrides the default. */
  readonly launcher?: Launcher;
  /**
   * Stops the server (and removes its temp dir) when this test ends. In a `describe`, call
   * `handle.dispose()` from `after()` instead.
   */
  readonly owner?: CleanupOwner;
}

function defaultLauncher(): Launcher {
  return process.env['CLOUDCORE_LAUNCHER'] === 'bin' ? 'bin' : 'tsx';
}

function readyTimeout(opts: CloudcoreOptions): number {
  const env = Number(process.env['HARNESS_READY_TIMEOUT_MS']);
  return opts.readyTimeoutMs ?? (Number.isFinite(env) && env > 0 ? env : 90_000);
}


export class CloudcoreHandle {
  readonly host = '127.0.0.1';
  readonly port: number;
  /** cloudhub WebSocket port (`--cloudhub-port`). */
  readonly hubPort: number;
  /** certificate server port (`--cloudhub-https-port`). */
  readonly certPort: number;
  /** http://127.0.0.1:<port> of the monitor server. */
  readonly monitorUrl: string;
  readonly hubEnabled: boolean;
  /** Set in external mode (`--kubeconfig`). */
  readonly externalKubeconfig: string | undefined;
  readonly url: string;
  readonly dataDir: string;
  readonly kubeconfigPath: string;
  readonly pkiDir: string;
  readonly tokenAuthFile: string | undefined;
  readonly #args: readonly string[];
  readonly #launcher: Launcher;
  readonly #env: NodeJS.ProcessEnv;
  readonly #readyTimeoutMs: number;
  #proc: ManagedProcess | undefined;
  /** Output of earlier runs of this server (before restarts). */
  #previousLogs: string[] = [];
  #runs = 0;
  #caPem = '';
  #adminCertPem = '';
  #adminKeyPem = '';
  #client: HttpsClient | undefined;
  #apiUrl: string;
  #kubeedgeCaPem = '';
  #kubeedgeCaKeyPem = '';
  readonly #clients = new Set<HttpsClient>();
  #scratch: TempDir | undefined;

  constructor(init: {
    port: number;
    dataDir: string;
    args: readonly string[];
    launcher: Launcher;
    env: NodeJS.ProcessEnv;
    readyTimeoutMs: number;
    tokenAuthFile: string | undefined;
    scratch: TempDir | undefined;
    hubPort: number;
    certPort: number;
    monitorPort: number;
    hub: boolean;
    kubeconfig: string | undefined;
  }) {
    this.#scratch = init.scratch;
    this.port = init.port;
    this.url = `https://127.0.0.1:${init.port}`;
    this.#apiUrl = this.url;
    this.hubPort = init.hubPort;
    this.certPort = init.certPort;
    this.monitorUrl = `http://127.0.0.1:${init.monitorPort}`;
    this.hubEnabled = init.hub;
    this.externalKubeconfig = init.kubeconfig;
    this.dataDir = init.dataDir;
    this.pkiDir = path.join(init.dataDir, 'pki');
    this.kubeconfigPath = init.kubeconfig ?? path.join(init.dataDir, 'admin.kubeconfig');
    this.tokenAuthFile = init.tokenAuthFile;
    this.#args = init.args;
    this.#launcher = init.launcher;
    this.#env = init.env;
    this.#readyTimeoutMs = init.readyTimeoutMs;
  }

  get pid(): number {
    return this.#proc?.pid ?? -1;
  }

  get running(): boolean {
    return this.#proc?.running ?? false;
  }

  /** The current run's process (for waitForLine, onLine). */
  get process(): ManagedProcess | undefined {
    return this.#proc;
  }

  /** CA of the API server (PKI in DIR/pki, or the external kubeconfig's). */
  get caPem(): string {
    return this.#caPem;
  }

  /** The API server URL actually used by `client` (differs from `url` in external mode). */
  get apiUrl(): string {
    return this.#apiUrl;
  }

  /** The KubeEdge CA (DIR/ca/rootCA.crt): signs the hub's server certificate and edge certificates. */
  get kubeedgeCaPem(): string {
    return this.#kubeedgeCaPem;
  }

  /** The KubeEdge CA key (DIR/ca/rootCA.key): for tests that sign fake node certificates or tokens. */
  get kubeedgeCaKeyPem(): string {
    return this.#kubeedgeCaKeyPem;
  }

  /** GET /metrics of the monitor server (Prometheus text). */
  async metrics(): Promise<string> {
    const r = await httpGet(`${this.monitorUrl}/metrics`);
    if (r.status !== 200) throw new Error(`GET ${this.monitorUrl}/metrics -> ${r.status}: ${r.text.slice(0, 300)}`);
    return r.text;
  }

  /** One sample of the monitor's metrics (sum over series matching `labels`), 0 when absent. */
  async metric(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
    return sumMetric(await this.metrics(), name, labels);
  }

  get adminCertPem(): string {
    return this.#adminCertPem;
  }

  get adminKeyPem(): string {
    return this.#adminKeyPem;
  }

  /** HTTPS client authenticated as admin (client certificate). */
  get client(): HttpsClient {
    if (!this.#client) throw new Error('cloudcore has not been started');
    return this.#client;
  }

  /** A client with other credentials (anonymous, a token, another certificate). Closed on stop. */
  clientWith(auth: ClientAuth, opts: { readonly keepAlive?: boolean; readonly maxSockets?: number } = {}): HttpsClient {
    const c = new HttpsClient({ baseUrl: this.#apiUrl, ca: this.#caPem, auth, ...opts });
    this.#clients.add(c);
    return c;
  }

  /** All output of this server so far (every run), or the last `tail` lines. */
  logs(opts: { readonly tail?: number } = {}): string {
    const all = [...this.#previousLogs, this.#proc?.output() ?? ''].filter((s) => s !== '').join('\n');
    if (opts.tail === undefined) return all;
    return all.split('\n').slice(-opts.tail).join('\n');
  }

  /** The stdout lines of the current run that are pino JSON records. */
  logRecords(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const l of this.#proc?.lines({ stream: 'stdout' }) ?? []) {
      try {
        const v: unknown = JSON.parse(l.text);
        if (isRecord(v)) out.push(v);
      } catch {
        // not JSON
      }
    }
    return out;
  }

  /** Spawns the server and waits until /readyz answers 200. */
  async start(): Promise<void> {
    if (this.running) throw new Error('cloudcore is already running');
    if (this.#proc) this.#previousLogs.push(this.#proc.output(), `----- cloudcore restart #${this.#runs} -----`);
    this.#runs++;
    const entry = this.#launcher === 'bin' ? ['bin/cloudcore.mjs'] : ['--import', 'tsx', 'src/cmd/cloudcore/main.ts'];
    this.#proc = new ManagedProcess({
      name: 'cloudcore',
      command: process.execPath,
      args: [...entry, ...this.#args],
      cwd: REPO_ROOT,
      env: this.#env,
    });
    await this.#waitReady(this.#proc);
  }

  async #waitReady(proc: ManagedProcess): Promise<void> {
    if (this.externalKubeconfig !== undefined) await this.#waitMonitorReady(proc);
    else await this.#waitApiReady(proc);
    if (this.hubEnabled) {
      await this.#loadKubeedgeCa(proc);
      await this.#waitPorts(proc, [this.hubPort, this.certPort]);
    }
  }

  /** Waits until every port accepts TCP connections on 127.0.0.1 (the hub starts after the API server). */
  async #waitPorts(proc: ManagedProcess, ports: readonly number[]): Promise<void> {
    const deadline = Date.now() + this.#readyTimeoutMs;
    for (const port of ports) {
      while (!(await tcpOpen(port))) {
        if (!proc.running) {
          throw new Error(`cloudcore exited before port ${port} opened (code ${String(proc.exitInfo?.code)}). Output:\n${proc.output({ tail: 60 })}`);
        }
        if (Date.now() > deadline) {
          await proc.kill9();
          throw new Error(`cloudcore did not open port ${port} within ${this.#readyTimeoutMs} ms. Output:\n${proc.output({ tail: 60 })}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async #loadKubeedgeCa(proc: ManagedProcess): Promise<void> {
    const crt = path.join(this.dataDir, 'ca', 'rootCA.crt');
    const key = path.join(this.dataDir, 'ca', 'rootCA.key');
    const deadline = Date.now() + this.#readyTimeoutMs;
    while (!(await exists(crt)) || !(await exists(key))) {
      if (!proc.running || Date.now() > deadline) {
        // Not fatal: a cloudcore without the hub (yet) has no KubeEdge CA.
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.#kubeedgeCaPem = await readFile(crt, 'utf8');
    this.#kubeedgeCaKeyPem = await readFile(key, 'utf8');
  }

  /**
   * Polls `probe` until it returns true; fails when the process exits or the ready timeout passes.
   * `probe` returns a string describing what it saw when not ready yet.
   */
  async #pollReady(proc: ManagedProcess, probe: () => Promise<true | string>): Promise<void> {
    const deadline = Date.now() + this.#readyTimeoutMs;
    let last = 'nothing yet';
    for (;;) {
      if (!proc.running) {
        throw new Error(`cloudcore exited before it was ready (code ${String(proc.exitInfo?.code)}, signal ${String(proc.exitInfo?.signal)}). Output:\n${proc.output({ tail: 60 })}`);
      }
      if (Date.now() > deadline) {
        await proc.kill9();
        throw new Error(`cloudcore not ready within ${this.#readyTimeoutMs} ms (last: ${last}). Output:\n${proc.output({ tail: 60 })}`);
      }
      try {
        const seen = await probe();
        if (seen === true) return;
        last = seen;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  async #waitMonitorReady(proc: ManagedProcess): Promise<void> {
    await this.#pollReady(proc, async () => {
      const r = await httpGet(`${this.monitorUrl}/healthz`, 2_000);
      return r.status === 200 ? true : `GET /healthz -> ${r.status} ${r.text.slice(0, 200)}`;
    });
    const creds = await readKubeconfigCreds(this.kubeconfigPath);
    this.#apiUrl = creds.server;
    this.#caPem = creds.caPem;
    this.#adminCertPem = creds.certPem;
    this.#adminKeyPem = creds.keyPem;
    this.#client?.close();
    this.#client = new HttpsClient({ baseUrl: creds.server, ca: creds.caPem, auth: { kind: 'cert', cert: creds.certPem, key: creds.keyPem } });
  }

  async #waitApiReady(proc: ManagedProcess): Promise<void> {
    const caFile = path.join(this.pkiDir, 'ca.crt');
    await this.#pollReady(proc, async () => {
      if (!(await exists(caFile))) return `${caFile} does not exist yet`;
      const ca = await readFile(caFile, 'utf8');
      const probe = new HttpsClient({ baseUrl: this.url, ca, auth: { kind: 'anonymous' }, timeoutMs: 2_000 });
      try {
        const r = await probe.get('/readyz');
        if (r.status !== 200 || !(await exists(this.kubeconfigPath))) return `GET /readyz -> ${r.status} ${r.text.slice(0, 200)}`;
      } finally {
        probe.close();
      }
      this.#caPem = ca;
      this.#adminCertPem = await readFile(path.join(this.pkiDir, 'admin.crt'), 'utf8');
      this.#adminKeyPem = await readFile(path.join(this.pkiDir, 'admin.key'), 'utf8');
      this.#client?.close();
      this.#client = new HttpsClient({ baseUrl: this.url, ca, auth: { kind: 'cert', cert: this.#adminCertPem, key: this.#adminKeyPem } });
      return true;
    });
  }

  #closeClients(): void {
    for (const c of this.#clients) c.close();
    this.#clients.clear();
    this.#client?.close();
  }

  /** SIGTERM, then wait (escalating to SIGKILL after `timeoutMs`). `forced` says whether it had to. */
  async stop(opts: { readonly timeoutMs?: number } = {}): Promise<ExitInfo & { readonly forced: boolean }> {
    this.#closeClients();
    if (!this.#proc) return { code: null, signal: null, forced: false };
    return this.#proc.stop({ timeoutMs: opts.timeoutMs ?? 15_000 });
  }

  /** SIGKILL, no chance to clean up. */
  async kill9(): Promise<ExitInfo> {
    this.#closeClients();
    if (!this.#proc) return { code: null, signal: null };
    return this.#proc.kill9();
  }

  /** stop(), then remove the temp dir the harness created for it (a caller-given dataDir is kept). */
  async dispose(): Promise<void> {
    await this.stop();
    const s = this.#scratch;
    this.#scratch = undefined;
    await s?.remove();
  }

  /** stop() (if running) and start() again with the same data dir, port and flags. */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    await this.start();
  }
}

/** Starts cloudcore and waits until it is ready. */
export async function startCloudcore(opts: CloudcoreOptions = {}): Promise<CloudcoreHandle> {
  // The scratch dir (data dir unless one is given, token file) is removed after the server stops.
  const needScratch = opts.dataDir === undefined || (opts.tokens !== undefined && opts.tokenAuthFile === undefined);
  const scratch = needScratch ? await createTempDir({ prefix: 'cloudcore' }) : undefined;
  const dataDir = opts.dataDir ?? path.join(scratch?.path ?? '', 'data');
  let tokenAuthFile = opts.tokenAuthFile;
  if (tokenAuthFile === undefined && opts.tokens !== undefined && scratch !== undefined) {
    tokenAuthFile = await writeTokenFile(path.join(scratch.path, 'tokens.csv'), opts.tokens);
  }
  const port = opts.port ?? (await freePort());
  const hubPort = opts.hubPort ?? (await freePort());
  const certPort = opts.certPort ?? (await freePort());
  const monitorPort = opts.monitorPort ?? (await freePort());
  const hub = opts.hub ?? true;
  const external = opts.kubeconfig !== undefined;
  const hubArgs = [
    '--monitor-bind',
    `127.0.0.1:${monitorPort}`,
    ...(hub ? ['--cloudhub-port', String(hubPort), '--cloudhub-https-port', String(certPort)] : ['--cloudhub-enable', 'false']),
  ];
  const args = [
    '--data-dir',
    dataDir,
    ...(external ? ['--kubeconfig', opts.kubeconfig ?? ''] : ['--apiserver-bind', `127.0.0.1:${port}`]),
    ...(tokenAuthFile === undefined || external ? [] : ['--token-auth-file', tokenAuthFile]),
    ...(opts.watchHistory === undefined || external ? [] : ['--watch-history', String(opts.watchHistory)]),
    ...(external ? [] : ['--embedded-controllers', String(opts.controllers === true)]),
    ...hubArgs,
    ...(opts.extraArgs ?? []),
  ];
  const handle = new CloudcoreHandle({
    port,
    dataDir,
    args,
    launcher: opts.launcher ?? defaultLauncher(),
    env: { ...process.env, ...opts.env },
    readyTimeoutMs: readyTimeout(opts),
    tokenAuthFile,
    scratch,
    hubPort,
    certPort,
    monitorPort,
    hub,
    kubeconfig: opts.kubeconfig,
  });
  // Registered before start so that a failed start is cleaned up too.
  opts.owner?.after(() => handle.dispose());
  await handle.start();
  return handle;
}
