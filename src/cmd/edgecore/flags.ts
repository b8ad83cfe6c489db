import { KeError } from '../../base/index.js';
import { parseStrictFlags } from '../shared/flags.js';

export const FLAGS_ERROR = 'KE_EDGECORE_FLAGS';
/** KubeEdge's default location of edgecore.yaml. */
export const DEFAULT_EDGECORE_CONFIG_PATH = '/etc/kubeedge/config/edgecore.yaml';

export interface EdgecoreFlags {
  readonly config: string;
  readonly help: boolean;
  readonly defaultConfig: boolean;
}

export const USAGE = `Usage: edgecore [--config FILE]

edgecore is the edge agent of kubeedge-ts. It connects to cloudcore over one mutually
authenticated WebSocket (edgehub), keeps what it receives in SQLite (metamanager) and runs the
pods bound to its node (edged). \`keadm join\` writes its config file.

Flags:
  --config FILE     edgecore.yaml (KubeEdge's v1alpha2 shape; default ${DEFAULT_EDGECORE_CONFIG_PATH})
  --defaultconfig   print the default configuration and exit
  -h, --help        show this help
`;

export function parseEdgecoreFlags(argv: readonly string[]): EdgecoreFlags {
  const v = parseStrictFlags(
    argv,
    {
      config: { type: 'string' },
      defaultconfig: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    FLAGS_ERROR,
    USAGE,
  );
  if (v.config === '') throw new KeError(FLAGS_ERROR, '--config must name a file');
  return { config: v.config ?? DEFAULT_EDGECORE_CONFIG_PATH, help: v.help === true, defaultConfig: v.defaultconfig === true };
}
