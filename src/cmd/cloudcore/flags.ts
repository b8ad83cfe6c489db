import { KeError } from '../../base/index.js';
import { parseStrictFlags } from '../shared/flags.js';

/** Parsed flags; a value is undefined when the flag was not given (the config file or default applies). */
export interface CloudcoreFlags {
  readonly config: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly dataDir: string | undefined;
  readonly apiserverBind: string | undefined;
  readonly tokenAuthFile: string | undefined;
  readonly watchHistory: number;
  readonly watchBookmarkSeconds: number;
  readonly embeddedControllers: boolean | undefined;
  readonly nodeGraceSeconds: number | undefined;
  readonly advertiseHosts: readonly string[] | undefined;
  readonly cloudhubPort: number | undefined;
  readonly cloudhubHttpsPort: number | undefined;
  readonly cloudhubEnable: boolean | undefined;
  readonly monitorBind: string | undefined;
  readonly help: boolean;
  readonly defaultConfig: boolean;
}

export const FLAGS_ERROR = 'KE_CLOUDCORE_FLAGS';

export const USAGE = `Usage: cloudcore [flags]

cloudcore is the cloud side of kubeedge-ts. Without --kubeconfig it starts an embedded
Kubernetes-compatible control plane (API server on SQLite) in --data-dir; with it, the cloud
modules (cloudhub, edgecontroller, synccontroller) run against that cluster. Flags override
values of the --config file.

Flags:
  --config FILE              cloudcore.yaml (KubeEdge's v1alpha1 shape)
  --kubeconfig FILE          use an existing cluster instead of the embedded control plane
  --data-dir DIR             state directory (default: $KUBEEDGE_HOME/cloud, KUBEEDGE_HOME defaults to ./.kubeedge)
  --apiserver-bind HOST:PORT embedded API server address (default 127.0.0.1:6443)
  --advertise-address HOSTS  IPs/names announced to edges and put in the certificates, comma-separated
  --token-auth-file FILE     static bearer tokens, CSV: token,user,uid,"group1,group2"
  --watch-history N          events kept for watch resumption (default 10000; at most 128 MiB of them)
  --watch-bookmark-interval S  seconds between BOOKMARK events on watches that allow them (default 60)
  --embedded-controllers B   run the scheduler and controllers beside the embedded API server (default true)
  --node-monitor-grace-period S  seconds without a Lease renewal before a node is NotReady (default 40)
  --cloudhub-enable B        run the cloud modules (default true); false runs only the embedded control plane
  --cloudhub-port N          cloudhub WebSocket port (default 10000)
  --cloudhub-https-port N    certificate server port (default 10002)
  --monitor-bind HOST:PORT   monitor server with /metrics and /healthz (default 127.0.0.1:9091)
  --defaultconfig            print the default configuration and exit
  -h, --help                 show this help
`;

function fail(message: string): never {
  throw new KeError(FLAGS_ERROR, message);
}

function bool(name: string, text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (text !== 'true' && text !== 'false') fail(`--${name} must be true or false, got "${text}"`);
  return text === 'true';
}

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number of seconds, got "${text}"`);
  return n;
}

export function parsePort(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n > 65535) fail(`--${name} must be a port number (0-65535), got "${text}"`);
  return n;
}

export function checkBind(name: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (m === null || Number(m[2]) > 65535) fail(`--${name} must be HOST:PORT, got "${text}"`);
  return text;
}

export function splitList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function parseCloudcoreFlags(argv: readonly string[]): CloudcoreFlags {
  const v = parseStrictFlags(
    argv,
    {
      config: { type: 'string' },
      kubeconfig: { type: 'string' },
      'data-dir': { type: 'string' },
      'apiserver-bind': { type: 'string' },
      'advertise-address': { type: 'string' },
      'token-auth-file': { type: 'string' },
      'watch-history': { type: 'string' },
      'watch-bookmark-interval': { type: 'string' },
      'embedded-controllers': { type: 'string' },
      'node-monitor-grace-period': { type: 'string' },
      'cloudhub-enable': { type: 'string' },
      'cloudhub-port': { type: 'string' },
      'cloudhub-https-port': { type: 'string' },
      'monitor-bind': { type: 'string' },
      defaultconfig: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    FLAGS_ERROR,
    USAGE,
  );
  const historyText = v['watch-history'] ?? '10000';
  const history = Number(historyText);
  if (!/^\d+$/.test(historyText) || history < 1) fail(`--watch-history must be a positive integer, got "${historyText}"`);
  return {
    config: v.config,
    kubeconfig: v.kubeconfig,
    dataDir: v['data-dir'],
    apiserverBind: checkBind('apiserver-bind', v['apiserver-bind']),
    tokenAuthFile: v['token-auth-file'],
    watchHistory: history,
    watchBookmarkSeconds: positive('watch-bookmark-interval', v['watch-bookmark-interval']) ?? 60,
    embeddedControllers: bool('embedded-controllers', v['embedded-controllers']),
    nodeGraceSeconds: positive('node-monitor-grace-period', v['node-monitor-grace-period']),
    advertiseHosts: splitList(v['advertise-address']),
    cloudhubPort: parsePort('cloudhub-port', v['cloudhub-port']),
    cloudhubHttpsPort: parsePort('cloudhub-https-port', v['cloudhub-https-port']),
    cloudhubEnable: bool('cloudhub-enable', v['cloudhub-enable']),
    monitorBind: checkBind('monitor-bind', v['monitor-bind']),
    help: v.help === true,
    defaultConfig: v.defaultconfig === true,
  };
}
