/** keadm join: the node's certificate through the token flow, edgecore.yaml, then edgecore in this process. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_EDGECORE_CONFIG, validateEdgeCoreConfig, type EdgeCoreConfig, type RuntimeType } from '../../api/config/index.js';
import { KeError, errorMessage, isKeError } from '../../base/index.js';
import { EdgeHubErrorCode, bootstrapCertificates, parseJoinToken } from '../../edge/edgehub/index.js';
import { deepFreeze, renderConfig } from '../../platform/config/index.js';
import type { Logger } from '../../platform/log/index.js';
import { startEdgecore, type RunningEdgecore } from '../edgecore/run.js';
import { lockEdgeDir } from '../shared/edge-lock.js';
import { Steps, type Io } from '../shared/steps.js';
import { flagError, type ConfigSet, type JoinArgs } from './args.js';
import { criAnswers } from '../shared/cri-probe.js';

export function certServerOf(args: JoinArgs): string {
  return `https://${args.cloudcoreHost}:${args.certPort}`;
}

/** `--set` entries over a plain copy of the config, checked like a config file. */
function applySets(config: EdgeCoreConfig, sets: readonly ConfigSet[]): EdgeCoreConfig {
  if (sets.length === 0) return config;
  const doc = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const set of sets) {
    let node: Record<string, unknown> = doc;
    for (const key of set.path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        const created: Record<string, unknown> = {};
        node[key] = created;
        node = created;
      } else node = next as Record<string, unknown>;
    }
    node[set.path[set.path.length - 1] ?? ''] = set.value;
  }
  const r = validateEdgeCoreConfig(doc);
  if ('errors' in r) throw flagError(`keadm join: --set gives an invalid edgecore.yaml:\n  ${r.errors.join('\n  ')}`);
  return r.config;
}

/** 'auto' → cri when the configured CRI endpoint (flag or --set) answers within 2 s, else process. */
export async function resolveRuntime(args: JoinArgs): Promise<RuntimeType> {
  if (args.runtime !== 'auto') return args.runtime;
  const endpoint = joinConfig(args).modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint;
  return (await criAnswers(endpoint, 2000)) ? 'cri' : 'process';
}

/** The edgecore.yaml keadm join writes (the token is not kept: the node has its certificate). */
export function joinConfig(args: JoinArgs, runtime: RuntimeType = args.runtime === 'auto' ? 'process' : args.runtime): EdgeCoreConfig {
  const d = DEFAULT_EDGECORE_CONFIG;
  const hub = d.modules.edgeHub;
  const kubelet = d.modules.edged.tailoredKubeletConfig;
  const base: EdgeCoreConfig = {
    ...d,
    database: { ...d.database, dataSource: path.join(args.dataDir, 'edgecore.db') },
    modules: {
      ...d.modules,
      edged: {
        ...d.modules.edged,
        hostnameOverride: args.nodeName,
        runtimeType: runtime,
        nodeLabels: { ...args.labels },
        tailoredKubeletConfig: {
          ...kubelet,
          containerRuntimeEndpoint: args.runtimeEndpoint ?? kubelet.containerRuntimeEndpoint,
          staticPodPath: path.join(args.dataDir, 'manifests'),
        },
      },
      edgeHub: {
        ...hub,
        tlsCaFile: path.join(args.dataDir, 'ca', 'rootCA.crt'),
        tlsCertFile: path.join(args.dataDir, 'certs', 'server.crt'),
        tlsPrivateKeyFile: path.join(args.dataDir, 'certs', 'server.key'),
        websocket: { ...hub.websocket, server: args.cloudcoreIpPort },
        httpServer: certServerOf(args),
        token: '',
      },
      metaManager: { ...d.modules.metaManager, metaServer: { enable: true, server: args.metaServerAddr ?? d.modules.metaManager.metaServer.server } },
    },
  };
  return deepFreeze(applySets(base, args.sets));
}

/** Turns a bootstrap failure into what the user should fix (same code). */
export function explainJoinError(err: unknown, args: JoinArgs): unknown {
  if (!isKeError(err)) return err;
  const server = certServerOf(args);
  const answer = typeof err.details?.['answer'] === 'string' && err.details['answer'] !== '' ? err.details['answer'] : 'unauthorized';
  switch (err.code) {
    case EdgeHubErrorCode.TokenRejected:
      return new KeError(err.code, `the cloud refused the token: ${answer}; get a fresh one with \`keadm gettoken\` on the cloud host`, { cause: err });
    case EdgeHubErrorCode.TokenMalformed:
      return new KeError(err.code, `the token is malformed (${err.message}); copy the whole output of \`keadm gettoken\` on the cloud host`, { cause: err });
    case EdgeHubErrorCode.CaHashMismatch:
      return new KeError(
        err.code,
        `the CA served by ${server} does not match the token's CA hash: the token is from another cloud, or something between this host and the cloud presents another certificate; check --cloudcore-ipport and get the token from this cloud with \`keadm gettoken\``,
        { cause: err },
      );
    case EdgeHubErrorCode.CloudUnreachable:
      return new KeError(err.code, `cannot reach the cloud's certificate server at ${server} (${err.message}); check --cloudcore-ipport and --certport, and that cloudcore runs there`, {
        cause: err,
      });
    case EdgeHubErrorCode.CloudUntrusted:
      return new KeError(err.code, `the certificate server at ${server} does not present a certificate of the token's CA (${err.message}); check --certport`, { cause: err });
    default:
      return err;
  }
}

export interface JoinResult {
  readonly configPath: string;
  /** Set unless --no-start. */
  readonly edgecore: RunningEdgecore | undefined;
}

export async function runJoin(args: JoinArgs, io: Io, log: Logger, signal?: AbortSignal): Promise<JoinResult> {
  const steps = new Steps(io, 4);
  const config = joinConfig(args, await resolveRuntime(args));
  const hub = config.modules.edgeHub;
  steps.next('checking the token');
  try {
    parseJoinToken(args.token);
  } catch (err) {
    throw explainJoinError(err, args);
  }
  steps.next(`fetching the CA from ${hub.httpServer}/ca.crt, checking it against the token and requesting the certificate of node ${args.nodeName}`);
  mkdirSync(args.dataDir, { recursive: true, mode: 0o700 });
  try {
    await bootstrapCertificates({
      httpServer: hub.httpServer,
      token: args.token,
      nodeName: args.nodeName,
      caFile: hub.tlsCaFile,
      certFile: hub.tlsCertFile,
      keyFile: hub.tlsPrivateKeyFile,
      timeoutMs: 15_000,
      ...(signal !== undefined ? { signal } : {}),
    });
  } catch (err) {
    throw explainJoinError(err, args);
  }
  io.err(`      CA ${hub.tlsCaFile}, certificate ${hub.tlsCertFile}\n`);
  const configPath = path.join(args.dataDir, 'config', 'edgecore.yaml');
  steps.next(`writing ${configPath}`);
  mkdirSync(path.dirname(configPath), { recursive: true, mode: 0o700 });
  writeFileSync(configPath, renderConfig(config), { mode: 0o600 });
  if (!args.start) {
    steps.next(`not starting edgecore (--no-start); start it with: edgecore --config ${configPath}`);
    return { configPath, edgecore: undefined };
  }
  steps.next(`starting edgecore for node ${args.nodeName} (runtime ${config.modules.edged.runtimeType}) against ${args.cloudcoreIpPort}`);
  const lock = lockEdgeDir(config);
  let edge: RunningEdgecore;
  try {
    edge = await startEdgecore(config, { log });
  } catch (err) {
    lock.release();
    throw new KeError(isKeError(err) ? err.code : 'KE_KEADM_EDGECORE_START', `edgecore did not start: ${errorMessage(err)}`, { cause: err });
  }
  io.err(`\nedgecore is running as node ${edge.nodeName} (config ${configPath}). On the cloud, 'kubectl get nodes' lists it once it is Ready.\n\n`);
  return {
    configPath,
    edgecore: {
      nodeName: edge.nodeName,
      hub: edge.hub,
      metaServer: edge.metaServer,
      stop: async () => {
        await edge.stop();
        lock.release();
      },
    },
  };
}
