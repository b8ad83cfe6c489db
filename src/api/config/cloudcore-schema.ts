/**
 * What cloudcore.yaml may hold: the fields of `CloudCoreConfig` with their types and ranges, and the
 * KubeEdge fields we accept so a KubeEdge cloudcore.yaml loads, but do not honour.
 */
import { CLOUDCORE_API_VERSION, CLOUDCORE_KIND } from './cloudcore.js';
import { checkHostPort, f, type ObjectSpec } from './schema.js';

const listener = (): ObjectSpec => f.object({ enable: f.bool(), address: f.string(), port: f.port() });

export const CLOUDCORE_SCHEMA: ObjectSpec = f.object({
  apiVersion: f.literal(CLOUDCORE_API_VERSION),
  kind: f.literal(CLOUDCORE_KIND),
  kubeAPIConfig: f.object({ kubeConfig: f.string(), qps: f.positive(), burst: f.positiveInt() }, ['master', 'contentType']),
  commonConfig: f.object({ monitorServer: f.object({ bindAddress: f.string(checkHostPort) }) }, ['tunnelPort']),
  embedded: f.object({
    dataDir: f.string(),
    apiserverBind: f.string(checkHostPort),
    controllers: f.bool(),
    nodeMonitorGracePeriod: f.positive(),
  }),
  modules: f.object(
    {
      cloudHub: f.object(
        {
          enable: f.bool(),
          advertiseAddress: f.strings({ dropEmpty: true }),
          dnsNames: f.strings({ dropEmpty: true }),
          nodeLimit: f.positiveInt(),
          keepaliveInterval: f.positive(),
          writeTimeout: f.positive(),
          tlsCAFile: f.string(),
          tlsCAKeyFile: f.string(),
          tlsCertFile: f.string(),
          tlsPrivateKeyFile: f.string(),
          edgeCertSigningDuration: f.positive(),
          tokenRefreshDuration: f.positive(),
          maxMessageBytes: f.positiveInt(),
          websocket: listener(),
          https: listener(),
          authorization: f.object({ enable: f.bool() }, ['debug', 'modes']),
        },
        ['quic', 'unixsocket'],
      ),
      edgeController: f.object({ enable: f.bool(), nodeUpdateFrequency: f.positive() }, ['buffer', 'load']),
      syncController: f.object({ enable: f.bool(), resyncPeriod: f.positive() }),
    },
    ['cloudStream', 'deviceController', 'dynamicController', 'iptablesManager', 'nodeUpgradeJobController', 'router', 'taskManager', 'policyController'],
  ),
}, ['featureGates']);
