/**
 * What edgecore.yaml may hold: the fields of `EdgeCoreConfig` with their types and ranges, and the
 * KubeEdge fields we accept so a KubeEdge edgecore.yaml loads, but do not honour.
 */
import { EDGECORE_API_VERSION, EDGECORE_KIND } from './edgecore.js';
import { checkHostPort, checkHttpsUrl, f, type ObjectSpec } from './schema.js';

const KUBEEDGE_EDGED_KEYS = [
  'containerRuntime', 'masterServiceNamespace', 'maxContainerCount', 'maxPerPodContainerCount', 'minimumGCAge',
  'registerNode', 'registerSchedulable', 'remoteImageEndpoint', 'remoteRuntimeEndpoint', 'reportEvent', 'customInterfaceName', 'concurrentConsumers',
  'cgroupDriver', 'enableMetrics', 'clusterDNS', 'clusterDomain',
] as const;

export const EDGECORE_SCHEMA: ObjectSpec = f.object(
  {
    apiVersion: f.literal(EDGECORE_API_VERSION),
    kind: f.literal(EDGECORE_KIND),
    database: f.object({ driverName: f.literal('sqlite3'), aliasName: f.string(), dataSource: f.string() }),
    modules: f.object(
      {
        edged: f.object(
          {
            enable: f.bool(),
            hostnameOverride: f.string(),
            nodeIP: f.string(),
            nodeLabels: f.stringMap(),
            registerNodeNamespace: f.string(),
            runtimeType: f.oneOf(['hollow', 'cri', 'process']),
            nodeStatusReportFrequency: f.positive(),
            nodeLeaseDurationSeconds: f.positive(),
            maxPods: f.positiveInt(),
            rootDirectory: f.string(),
            podSandboxImage: f.string(),
            tailoredKubeletConfig: f.object(
              {
                containerRuntimeEndpoint: f.string(),
                staticPodPath: f.string(),
                syncFrequency: f.positive(),
                imageGCHighThresholdPercent: f.percent(),
                imageGCLowThresholdPercent: f.percent(),
              },
              'any',
            ),
          },
          KUBEEDGE_EDGED_KEYS,
        ),
        edgeHub: f.object(
          {
            enable: f.bool(),
            heartbeat: f.positive(),
            messageQPS: f.positive(),
            messageBurst: f.positiveInt(),
            projectID: f.string(),
            tlsCaFile: f.string(),
            tlsCertFile: f.string(),
            tlsPrivateKeyFile: f.string(),
            websocket: f.object({
              enable: f.bool(),
              server: f.string(checkHostPort),
              handshakeTimeout: f.positive(),
              readDeadline: f.positive(),
              writeDeadline: f.positive(),
            }),
            httpServer: f.string(checkHttpsUrl),
            token: f.string(),
            rotateCertificates: f.bool(),
          },
          ['quic'],
        ),
        metaManager: f.object(
          {
            enable: f.bool(),
            contextSendGroup: f.string(),
            contextSendModule: f.string(),
            remoteQueryTimeout: f.positive(),
            metaServer: f.object({ enable: f.bool(), server: f.string(checkHostPort) }, 'any'),
          },
          ['podStatusSyncInterval'],
        ),
      },
      ['dbTest', 'deviceTwin', 'edgeStream', 'eventBus', 'serviceBus', 'taskManager', 'edgeMesh'],
    ),
  },
  ['featureGates', 'edgecoreVersion'],
);
