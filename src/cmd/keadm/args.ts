/** keadm's flag parsing: one parser per subcommand, values checked, defaults from $KUBEEDGE_HOME. */
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { KeError } from '../../base/index.js';
import type { RuntimeType } from '../../api/config/index.js';

export const KEADM_FLAGS_ERROR = 'KE_KEADM_FLAGS';

export function flagError(message: string): KeError {
  return new KeError(KEADM_FLAGS_ERROR, message);
}

export function homeOf(env: NodeJS.ProcessEnv): string {
  const home = env['KUBEEDGE_HOME'];
  return home === undefined || home === '' ? '.kubeedge' : home;
}

type Options = NonNullable<ParseArgsConfig['options']>;

function parse(command: string, argv: readonly string[], options: Options): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw flagError(`keadm ${command}: ${err instanceof Error ? err.message : String(err)} (see keadm ${command} --help)`);
  }
}

function str(v: Record<string, string | boolean | undefined>, key: string): string | undefined {
  const x = v[key];
  return typeof x === 'string' ? x : undefined;
}

function port(command: string, name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw flagError(`keadm ${command}: --${name} must be a port number (0-65535), got "${text}"`);
  return Number(text);
}

function bind(command: string, name: string, text: string | undefined, fallback: string): string {
  if (text === undefined) return fallback;
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (m === null || Number(m[2]) > 65535) throw flagError(`keadm ${command}: --${name} must be HOST:PORT, got "${text}"`);
  return text;
}

export interface InitArgs {
  readonly help: boolean;
  readonly dataDir: string;
  readonly advertiseAddress: readonly string[] | undefined;
  readonly kubeconfig: string | undefined;
  readonly cloudhubPort: number;
  readonly certsPort: number;
  readonly apiserverBind: string;
  readonly monitorBind: string;
}

export function parseInitArgs(argv: readonly string[], env: NodeJS.ProcessEnv): InitArgs {
  const v = parse('init', argv, {
    'data-dir': { type: 'string' },
    'advertise-address': { type: 'string' },
    kubeconfig: { type: 'string' },
    'cloudhub-port': { type: 'string' },
    'certs-port': { type: 'string' },
    'apiserver-bind': { type: 'string' },
    'monitor-bind': { type: 'string' },
  });
  const adv = str(v, 'advertise-address');
  return {
    help: v['help'] === true,
    dataDir: path.resolve(str(v, 'data-dir') ?? path.join(homeOf(env), 'cloud')),
    advertiseAddress: adv === undefined ? undefined : adv.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    kubeconfig: str(v, 'kubeconfig'),
    cloudhubPort: port('init', 'cloudhub-port', str(v, 'cloudhub-port'), 10000),
    certsPort: port('init', 'certs-port', str(v, 'certs-port'), 10002),
    apiserverBind: bind('init', 'apiserver-bind', str(v, 'apiserver-bind'), '127.0.0.1:6443'),
    monitorBind: bind('init', 'monitor-bind', str(v, 'monitor-bind'), '127.0.0.1:9091'),
  };
}

export interface GettokenArgs {
  readonly help: boolean;
  /** The admin kubeconfig to read the token secret with. */
  readonly kubeconfig: string;
}

export function parseGettokenArgs(argv: readonly string[], env: NodeJS.ProcessEnv): GettokenArgs {
  const v = parse('gettoken', argv, { 'data-dir': { type: 'string' }, kubeconfig: { type: 'string' } });
  const dataDir = str(v, 'data-dir');
  const kubeconfig = str(v, 'kubeconfig');
  if (dataDir !== undefined && kubeconfig !== undefined) throw flagError('keadm gettoken: give --data-dir or --kubeconfig, not both');
  return {
    help: v['help'] === true,
    kubeconfig: path.resolve(kubeconfig ?? path.join(dataDir ?? path.join(homeOf(env), 'cloud'), 'admin.kubeconfig')),
  };
}

export const RUNTIMES: readonly RuntimeType[] = ['hollow', 'cri', 'process'];

export interface JoinArgs {
  readonly help: boolean;
  /** IP:PORT of cloudhub's WebSocket. */
  readonly cloudcoreIpPort: string;
  readonly cloudcoreHost: string;
  readonly token: string;
  readonly nodeName: string;
  readonly certPort: number;
  /** 'auto': cri when the CRI endpoint answers, else process. */
  readonly runtime: RuntimeType | 'auto';
  /** --remote-runtime-endpoint: the CRI socket (undefined: the config default). */
  readonly runtimeEndpoint: string | undefined;
  readonly dataDir: string;
  readonly labels: Readonly<Record<string, string>>;
  /** --set path=value,... over edgecore.yaml (KubeEdge's keadm join --set). */
  readonly sets: readonly ConfigSet[];
  /** --metaserver-addr HOST:PORT: where the metaserver listens (undefined: the config default 127.0.0.1:10550). */
  readonly metaServerAddr: string | undefined;
  readonly start: boolean;
}

export interface ConfigSet {
  /** Dotted path below the document root, e.g. `modules.edged.podSandboxImage`. */
  readonly path: readonly string[];
  readonly value: string | number | boolean;
}

/** `a.b.c=v,d.e=w`: values true/false become booleans, plain integers numbers, anything else (1.10 too) a string. */
export function parseSets(text: string | undefined): ConfigSet[] {
  if (text === undefined) return [];
  const out: ConfigSet[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? '' : item.slice(0, eq);
    if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(key)) {
      throw flagError(`keadm join: --set wants path=value[,path=value] with a dotted config path such as modules.edged.podSandboxImage, got "${item}"`);
    }
    const raw = item.slice(eq + 1);
    const value = raw === 'true' ? true : raw === 'false' ? false : /^-?\d{1,15}$/.test(raw) ? Number(raw) : raw;
    out.push({ path: key.split('.'), value });
  }
  return out;
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === undefined) return out;
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? '' : item.slice(eq + 1);
    if (eq < 0 || !LABEL_KEY.test(key) || key.length > 317 || !LABEL_VALUE.test(value) || value.length > 63) {
      throw flagError(`keadm join: --labels wants k=v,k2=v2 with valid label keys and values, got "${item}"`);
    }
    out[key] = value;
  }
  return out;
}

export function parseJoinArgs(argv: readonly string[], env: NodeJS.ProcessEnv, hostname: string = os.hostname()): JoinArgs {
  const v = parse('join', argv, {
    'cloudcore-ipport': { type: 'string' },
    token: { type: 'string' },
    'node-name': { type: 'string' },
    certport: { type: 'string' },
    runtime: { type: 'string' },
    'remote-runtime-endpoint': { type: 'string' },
    'data-dir': { type: 'string' },
    labels: { type: 'string' },
    set: { type: 'string' },
    'metaserver-addr': { type: 'string' },
    'no-start': { type: 'boolean' },
  });
  const help = v['help'] === true;
  const ipport = str(v, 'cloudcore-ipport') ?? '';
  const token = str(v, 'token') ?? '';
  if (!help) {
    if (ipport === '') throw flagError('keadm join: --cloudcore-ipport IP:PORT is required (cloudhub\'s address, port 10000 by default)');
    if (token === '') throw flagError('keadm join: --token is required (run `keadm gettoken` on the cloud host)');
  }
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(ipport);
  if (!help && (m === null || Number(m[2]) > 65535)) throw flagError(`keadm join: --cloudcore-ipport must be IP:PORT, got "${ipport}"`);
  const nodeName = (str(v, 'node-name') ?? hostname).toLowerCase();
  if (!help && (!NODE_NAME.test(nodeName) || nodeName.length > 253)) throw flagError(`keadm join: --node-name must be a DNS subdomain (lower-case letters, digits, '-', '.'), got "${nodeName}"`);
  const metaServerAddr = str(v, 'metaserver-addr');
  const ms = metaServerAddr === undefined ? undefined : /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(metaServerAddr);
  if (ms === null || (ms !== undefined && Number(ms[2]) > 65535)) throw flagError(`keadm join: --metaserver-addr must be HOST:PORT, got "${metaServerAddr ?? ''}"`);
  const runtime = str(v, 'runtime') ?? 'auto';
  const known = runtime === 'auto' ? 'auto' : RUNTIMES.find((r) => r === runtime);
  if (known === undefined) throw flagError(`keadm join: --runtime must be one of auto|${RUNTIMES.join('|')}, got "${runtime}"`);
  return {
    help,
    cloudcoreIpPort: ipport,
    cloudcoreHost: m?.[1] ?? '',
    token: token.trim(),
    nodeName,
    certPort: port('join', 'certport', str(v, 'certport'), 10002),
    runtime: known,
    runtimeEndpoint: str(v, 'remote-runtime-endpoint'),
    dataDir: path.resolve(str(v, 'data-dir') ?? path.join(homeOf(env), 'edge', nodeName)),
    labels: parseLabels(str(v, 'labels')),
    sets: parseSets(str(v, 'set')),
    metaServerAddr,
    start: v['no-start'] !== true,
  };
}

export interface ResetArgs {
  readonly help: boolean;
  /** Undefined: everything under $KUBEEDGE_HOME (cloud and every edge node). */
  readonly dataDir: string | undefined;
  readonly home: string;
  readonly force: boolean;
}

export function parseResetArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ResetArgs {
  const v = parse('reset', argv, { 'data-dir': { type: 'string' }, force: { type: 'boolean' } });
  const dataDir = str(v, 'data-dir');
  return {
    help: v['help'] === true,
    dataDir: dataDir === undefined ? undefined : path.resolve(dataDir),
    home: path.resolve(homeOf(env)),
    force: v['force'] === true,
  };
}
