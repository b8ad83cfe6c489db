import { parseArgs } from 'node:util';
import { KeError } from '../../base/index.js';

export interface CloudcoreFlags {
  readonly config: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly dataDir: string;
  readonly apiserverHost: string;
  readonly apiserverPort: number;
  readonly tokenAuthFile: string | undefined;
  readonly watchHistory: number;
  readonly watchBookmarkSeconds: number;
  readonly embeddedControllers: boolean;
  readonly nodeGraceSeconds: number;
  readonly advertiseHosts: readonly string[];
  readonly help: boolean;
  readonly defaultConfig: boolean;
}

export const USAGE = `Usage: cloudcore [flags]

cloudcore is the cloud side of kubeedge-ts. Without --kubeconfig it starts an embedded
Kubernetes-compatible control plane (API server on SQLite) in --data-dir.

Flags:
  --config FILE              cloudcore.yaml (KubeEdge's v1alpha1 shape)
  --kubeconfig FILE          use an existing cluster instead of the embedded control plane
  --data-dir DIR             state directory (default: $KUBEEDGE_HOME/cloud, KUBEEDGE_HOME defaults to ./.kubeedge)
  --apiserver-bind HOST:PORT embedded API server address (default 127.0.0.1:6443)
  --advertise-address HOSTS  extra names/IPs for the API server certificate, comma-separated
  --token-auth-file FILE     static bearer tokens, CSV: token,user,uid,"group1,group2"
  --watch-history N          events kept for watch resumption (default 10000; at most 128 MiB of them)
  --watch-bookmark-interval S  seconds between BOOKMARK events on watches that allow them (default 60)
  --embedded-controllers B   run the scheduler and controllers beside the embedded API server (default true)
  --node-monitor-grace-period S  seconds without a Lease renewal before a node is NotReady (default 40)
  --defaultconfig            print the default configuration and exit
  -h, --help                 show this help
`;

export function parseCloudcoreFlags(argv: readonly string[], env: NodeJS.ProcessEnv): CloudcoreFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
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
        defaultconfig: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new KeError('KE_CLOUDCORE_FLAGS', `${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  }
  const v = parsed.values;
  const bind = v['apiserver-bind'] ?? '127.0.0.1:6443';
  const m = /^(.*):(\d+)$/.exec(bind);
  if (m === null || m[1] === undefined || m[2] === undefined || Number(m[2]) > 65535) {
    throw new KeError('KE_CLOUDCORE_FLAGS', `--apiserver-bind must be HOST:PORT, got "${bind}"`);
  }
  const history = Number(v['watch-history'] ?? '10000');
  if (!Number.isInteger(history) || history < 1) throw new KeError('KE_CLOUDCORE_FLAGS', `--watch-history must be a positive integer, got "${v['watch-history'] ?? ''}"`);
  const bookmark = Number(v['watch-bookmark-interval'] ?? '60');
  if (!Number.isFinite(bookmark) || bookmark <= 0) {
    throw new KeError('KE_CLOUDCORE_FLAGS', `--watch-bookmark-interval must be a positive number of seconds, got "${v['watch-bookmark-interval'] ?? ''}"`);
  }
  const controllersText = v['embedded-controllers'] ?? 'true';
  if (controllersText !== 'true' && controllersText !== 'false') {
    throw new KeError('KE_CLOUDCORE_FLAGS', `--embedded-controllers must be true or false, got "${controllersText}"`);
  }
  const grace = Number(v['node-monitor-grace-period'] ?? '40');
  if (!Number.isFinite(grace) || grace <= 0) {
    throw new KeError('KE_CLOUDCORE_FLAGS', `--node-monitor-grace-period must be a positive number of seconds, got "${v['node-monitor-grace-period'] ?? ''}"`);
  }
  const home = env['KUBEEDGE_HOME'] ?? '.kubeedge';
  return {
    config: v.config,
    kubeconfig: v.kubeconfig,
    dataDir: v['data-dir'] ?? `${home}/cloud`,
    apiserverHost: m[1].replace(/^\[(.*)\]$/, '$1'),
    apiserverPort: Number(m[2]),
    tokenAuthFile: v['token-auth-file'],
    watchHistory: history,
    watchBookmarkSeconds: bookmark,
    embeddedControllers: controllersText === 'true',
    nodeGraceSeconds: grace,
    advertiseHosts: (v['advertise-address'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    help: v.help === true,
    defaultConfig: v.defaultconfig === true,
  };
}
