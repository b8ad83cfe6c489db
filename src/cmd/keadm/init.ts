/** keadm init: PKI and cloudcore.yaml in the data directory, then cloudcore in this process. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CLOUDCORE_CONFIG, type CloudCoreConfig } from '../../api/config/index.js';
import { ensureHubPki } from '../../cloud/cloudhub/index.js';
import { deepFreeze, renderConfig } from '../../platform/config/index.js';
import type { Logger } from '../../platform/log/index.js';
import { startCloudcore, type RunningCloudcore } from '../cloudcore/run.js';
import { Steps, type Io } from '../shared/steps.js';
import type { InitArgs } from './args.js';

/** The cloudcore.yaml keadm init writes: the defaults with the flags and the data directory's paths. */
export function initConfig(args: InitArgs): CloudCoreConfig {
  const d = DEFAULT_CLOUDCORE_CONFIG;
  const hub = d.modules.cloudHub;
  return deepFreeze({
    ...d,
    kubeAPIConfig: { ...d.kubeAPIConfig, kubeConfig: args.kubeconfig === undefined ? '' : path.resolve(args.kubeconfig) },
    commonConfig: { monitorServer: { bindAddress: args.monitorBind } },
    embedded: { ...d.embedded, dataDir: args.dataDir, apiserverBind: args.apiserverBind },
    modules: {
      ...d.modules,
      cloudHub: {
        ...hub,
        advertiseAddress: args.advertiseAddress ?? hub.advertiseAddress,
        tlsCAFile: path.join(args.dataDir, 'ca', 'rootCA.crt'),
        tlsCAKeyFile: path.join(args.dataDir, 'ca', 'rootCA.key'),
        tlsCertFile: path.join(args.dataDir, 'certs', 'server.crt'),
        tlsPrivateKeyFile: path.join(args.dataDir, 'certs', 'server.key'),
        websocket: { ...hub.websocket, port: args.cloudhubPort },
        https: { ...hub.https, port: args.certsPort },
      },
    },
  });
}

export interface InitResult {
  readonly configPath: string;
  readonly cloudcore: RunningCloudcore;
}

export async function runInit(args: InitArgs, io: Io, log: Logger): Promise<InitResult> {
  const steps = new Steps(io, 3);
  const config = initConfig(args);
  steps.next(`generating the KubeEdge CA and cloudcore's certificates in ${args.dataDir}`);
  mkdirSync(args.dataDir, { recursive: true, mode: 0o700 });
  const pki = await ensureHubPki(config.modules.cloudHub, args.dataDir);
  io.err(`      CA ${pki.caPath} (${pki.created.includes('ca') ? 'created' : 'kept'}), server certificate ${pki.certPath} (${pki.created.includes('server') ? 'created' : 'kept'})\n`);
  const configPath = path.join(args.dataDir, 'config', 'cloudcore.yaml');
  steps.next(`writing ${configPath}`);
  mkdirSync(path.dirname(configPath), { recursive: true, mode: 0o700 });
  writeFileSync(configPath, renderConfig(config), { mode: 0o600 });
  const mode = args.kubeconfig === undefined ? `the embedded control plane on ${args.apiserverBind}` : `the cluster of ${path.resolve(args.kubeconfig)}`;
  steps.next(`starting cloudcore with ${mode} (cloudhub :${args.cloudhubPort}, certificates :${args.certsPort})`);
  const cloudcore = await startCloudcore(config, { log });
  const ports = cloudcore.hubPorts;
  const gettoken = args.kubeconfig === undefined ? `keadm gettoken --data-dir ${args.dataDir}` : `keadm gettoken --kubeconfig ${path.resolve(args.kubeconfig)}`;
  io.err(
    `\ncloudcore is running (cloudhub :${ports?.websocket ?? '-'}, certificates :${ports?.https ?? '-'}, config ${configPath}).\n` +
      `Use the cluster with:\n  kubectl --kubeconfig ${cloudcore.kubeconfigPath} get nodes\n` +
      `Get the token for 'keadm join' with:\n  ${gettoken}\n\n`,
  );
  return { configPath, cloudcore };
}
