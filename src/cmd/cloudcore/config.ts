/**
 * cloudcore's effective configuration: defaults, then the --config file, then flags (and
 * $KUBEEDGE_HOME for the data directory when neither says).
 */
import path from 'node:path';
import { DEFAULT_CLOUDCORE_CONFIG, validateCloudCoreConfig, type CloudCoreConfig } from '../../api/config/index.js';
import { deepFreeze, loadConfigFile } from '../../platform/config/index.js';
import type { CloudcoreFlags } from './flags.js';

/** $KUBEEDGE_HOME, default ./.kubeedge. */
export function kubeedgeHome(env: NodeJS.ProcessEnv): string {
  const home = env['KUBEEDGE_HOME'];
  return home === undefined || home === '' ? '.kubeedge' : home;
}

function pick<T>(flag: T | undefined, file: T): T {
  return flag === undefined ? file : flag;
}

/** Applies the flags over `base` (the file's config, or the defaults). Throws KE_CONFIG_* for a bad file. */
export function resolveCloudcoreConfig(flags: CloudcoreFlags, env: NodeJS.ProcessEnv, base?: CloudCoreConfig): CloudCoreConfig {
  const file = base ?? (flags.config === undefined ? DEFAULT_CLOUDCORE_CONFIG : loadConfigFile(flags.config, validateCloudCoreConfig));
  const hub = file.modules.cloudHub;
  const dataDir = flags.dataDir ?? (file.embedded.dataDir !== '' ? file.embedded.dataDir : path.join(kubeedgeHome(env), 'cloud'));
  const enable = flags.cloudhubEnable;
  const config: CloudCoreConfig = {
    ...file,
    kubeAPIConfig: { ...file.kubeAPIConfig, kubeConfig: pick(flags.kubeconfig, file.kubeAPIConfig.kubeConfig) },
    commonConfig: { monitorServer: { bindAddress: pick(flags.monitorBind, file.commonConfig.monitorServer.bindAddress) } },
    embedded: {
      dataDir,
      apiserverBind: pick(flags.apiserverBind, file.embedded.apiserverBind),
      controllers: pick(flags.embeddedControllers, file.embedded.controllers),
      nodeMonitorGracePeriod: pick(flags.nodeGraceSeconds, file.embedded.nodeMonitorGracePeriod),
    },
    modules: {
      cloudHub: {
        ...hub,
        enable: pick(enable, hub.enable),
        advertiseAddress: pick(flags.advertiseHosts, hub.advertiseAddress),
        websocket: { ...hub.websocket, port: pick(flags.cloudhubPort, hub.websocket.port) },
        https: { ...hub.https, port: pick(flags.cloudhubHttpsPort, hub.https.port) },
      },
      // --cloudhub-enable false: only the embedded control plane runs
      edgeController: { ...file.modules.edgeController, enable: enable === false ? false : file.modules.edgeController.enable },
      syncController: { ...file.modules.syncController, enable: enable === false ? false : file.modules.syncController.enable },
    },
  };
  return deepFreeze(config);
}

/** Splits `HOST:PORT` (brackets removed from an IPv6 host). */
export function hostPort(bind: string): { host: string; port: number } {
  const i = bind.lastIndexOf(':');
  return { host: bind.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(bind.slice(i + 1)) };
}
