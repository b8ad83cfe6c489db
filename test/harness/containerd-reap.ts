/**
 * Pieces of test/harness/containerd.ts: the CRI `Status` probe (our CRI client has no Status call
 * yet) and the synchronous last-resort reaping of what a private containerd leaves outside its
 * process group: shims, runc containers, mounts under its temp dir, its CNI bridge and iptables rules.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

// runtime.v1 Status with upstream field numbers (k8s.io/cri-api api.proto).
const STATUS_PROTO: Parameters<typeof protoLoader.fromJSON>[0] = {
  nested: {
    runtime: {
      nested: {
        v1: {
          nested: {
            RuntimeService: { methods: { Status: { requestType: 'StatusRequest', responseType: 'StatusResponse', comment: '' } } },
            StatusRequest: { fields: { verbose: { type: 'bool', id: 1 } } },
            StatusResponse: { fields: { status: { type: 'RuntimeStatus', id: 1 } } },
            RuntimeStatus: { fields: { conditions: { rule: 'repeated', type: 'RuntimeCondition', id: 1 } } },
            RuntimeCondition: {
              fields: {
                type: { type: 'string', id: 1 },
                status: { type: 'bool', id: 2 },
                reason: { type: 'string', id: 3 },
                message: { type: 'string', id: 4 },
              },
            },
          },
        },
      },
    },
  },
};

interface RuntimeCondition {
  readonly type: string;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

/** CRI Status: the runtime conditions (RuntimeReady, NetworkReady). */
export async function criStatus(endpoint: string, timeoutMs = 2_000): Promise<readonly RuntimeCondition[]> {
  const pkg = protoLoader.fromJSON(STATUS_PROTO, { defaults: true, arrays: true });
  const svc = pkg['runtime.v1.RuntimeService'];
  if (svc === undefined || 'format' in svc) throw new Error('Status proto: no service');
  const def = svc['Status'];
  if (def === undefined) throw new Error('Status proto: no method');
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure());
  try {
    return await new Promise<readonly RuntimeCondition[]>((resolve, reject) => {
      client.makeUnaryRequest<object, { status?: { conditions?: RuntimeCondition[] } | null }>(
        def.path,
        def.requestSerialize,
        def.responseDeserialize as (b: Buffer) => { status?: { conditions?: RuntimeCondition[] } | null },
        {},
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, res) => (err !== null ? reject(err) : resolve(res?.status?.conditions ?? [])),
      );
    });
  } finally {
    client.close();
  }
}

export async function criNetworkReady(endpoint: string): Promise<boolean> {
  const conditions = await criStatus(endpoint);
  return conditions.some((c) => c.type === 'NetworkReady' && c.status) && conditions.some((c) => c.type === 'RuntimeReady' && c.status);
}

function quiet(command: string, args: readonly string[]): void {
  spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 });
}

/** Pids of containerd shims started for `socket` (their command line carries `-address <socket>`). */
export function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if ((argv[0] ?? '').includes('containerd-shim') && argv.includes(socket)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Mount points at or under `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Splits one `iptables -S` line into argv (double quotes with backslash escapes). */
function splitRule(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    if (quoted) {
      if (ch === '\\' && i + 1 < line.length) cur += line[++i] ?? '';
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      started = true;
    } else if (ch === ' ') {
      if (started) out.push(cur);
      cur = '';
      started = false;
    } else {
      cur += ch;
      started = true;
    }
  }
  if (started) out.push(cur);
  return out;
}

/** Removes the iptables rules (and CNI-* chains) the CNI plugins tagged with `name: "<network>"`. */
export function reapCniIptablesSync(network: string): void {
  const tag = `name: "${network}"`;
  for (const table of ['nat', 'filter']) {
    const r = spawnSync('iptables', ['-t', table, '-S'], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) continue;
    const rules = r.stdout.split('\n').filter((l) => l.startsWith('-A ')).map(splitRule);
    const tagged = rules.filter((argv) => argv.some((a) => a.includes(tag)));
    const chains = new Set<string>();
    for (const argv of tagged) {
      const chain = argv[1] ?? '';
      const target = argv[argv.indexOf('-j') + 1] ?? '';
      if (target.startsWith('CNI-') && !target.startsWith('CNI-HOSTPORT-')) chains.add(target);
      if (chain.startsWith('CNI-') && !chain.startsWith('CNI-HOSTPORT-')) chains.add(chain);
      else quiet('iptables', ['-t', table, '-D', ...argv.slice(1)]);
    }
    for (const c of chains) quiet('iptables', ['-t', table, '-F', c]);
    for (const c of chains) quiet('iptables', ['-t', table, '-X', c]);
  }
}

export interface ReapTarget {
  readonly dir: string;
  readonly socket: string;
  readonly bridge: string;
  /** The CNI network name (iptables rules carry it in their comments). */
  readonly network: string;
}

/**
 * Force-removes what a (dead or stopped) private containerd left: its runc containers (runc root
 * under `dir`), its shims, mounts under `dir` (rootfs, shm, netns), and its CNI bridge. Synchronous,
 * so it also runs at process exit. Safe to call repeatedly.
 */
export function reapContainerdSync(t: ReapTarget): void {
  const runcRoot = path.join(t.dir, 'runc');
  if (existsSync(runcRoot)) {
    for (const ns of readdirSync(runcRoot)) {
      const nsRoot = path.join(runcRoot, ns);
      for (const id of readdirSync(nsRoot)) quiet('runc', ['--root', nsRoot, 'delete', '--force', id]);
    }
  }
  for (const pid of shimPids(t.socket)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const mp of mountsUnder(t.dir)) quiet('umount', ['-l', mp]);
  if (existsSync(`/sys/class/net/${t.bridge}`)) quiet('ip', ['link', 'del', t.bridge]);
  reapCniIptablesSync(t.network);
}

/** Written into each instance's dir so a later run can reap it if this process dies by SIGKILL. */
export const REAP_FILE = 'harness-instance.json';
export const INSTANCE_DIR_PREFIX = 'kubeedge-ts-containerd-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reaps instances whose owning test process is gone (killed with SIGKILL, so its exit cleanup never
 * ran): their shims, containers, mounts, bridge and iptables rules, and their temp dir.
 */
export function reapStaleInstancesSync(): number {
  let reaped = 0;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(INSTANCE_DIR_PREFIX)) continue;
    const dir = path.join(tmpdir(), name);
    let info: Partial<ReapTarget & { pid: number }>;
    try {
      info = JSON.parse(readFileSync(path.join(dir, REAP_FILE), 'utf8')) as Partial<ReapTarget & { pid: number }>;
    } catch {
      continue;
    }
    if (typeof info.pid !== 'number' || alive(info.pid) || info.socket === undefined || info.bridge === undefined || info.network === undefined) continue;
    reapContainerdSync({ dir, socket: info.socket, bridge: info.bridge, network: info.network });
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    reaped++;
  }
  return reaped;
}
