/**
 * edgecore.yaml: KubeEdge's `edgecore.config.kubeedge.io/v1alpha2` `EdgeCore` shape, limited to the
 * fields kubeedge-ts honours. `modules.edged.runtimeType` picks the pod runtime (`hollow` reports
 * bound pods Running without starting anything; `cri` and `process` arrive with real pods).
 */

export const EDGECORE_API_VERSION = 'edgecore.config.kubeedge.io/v1alpha2';
export const EDGECORE_KIND = 'EdgeCore';
export const DEFAULT_PROJECT_ID = 'e632aba927ea4ac2b575ec1603d56f10';

export type RuntimeType = 'hollow' | 'cri' | 'process';

export interface EdgeHubConfig {
  readonly enable: boolean;
  /** Seconds between keepalives (sent only when nothing else went up in that time). */
  readonly heartbeat: number;
  readonly messageQPS: number;
  readonly messageBurst: number;
  readonly projectID: string;
  readonly tlsCaFile: string;
  readonly tlsCertFile: string;
  readonly tlsPrivateKeyFile: string;
  readonly websocket: {
    readonly enable: boolean;
    /** HOST:PORT of cloudhub. */
    readonly server: string;
    readonly handshakeTimeout: number;
    readonly readDeadline: number;
    readonly writeDeadline: number;
  };
  /** https://HOST:PORT of the certificate server. */
  readonly httpServer: string;
  /** Join token `sha256hex(CA).JWT`; wiped from the file after a successful bootstrap. */
  readonly token: string;
  readonly rotateCertificates: boolean;
}

export interface EdgedConfig {
  readonly enable: boolean;
  readonly hostnameOverride: string;
  /** '' = the host's first non-internal IPv4 address. */
  readonly nodeIP: string;
  readonly nodeLabels: Readonly<Record<string, string>>;
  readonly registerNodeNamespace: string;
  readonly runtimeType: RuntimeType;
  /** Seconds between node status reports when nothing changed (kubelet's nodeStatusReportFrequency). */
  readonly nodeStatusReportFrequency: number;
  /** Lease duration; it is renewed every quarter of it, as kubelet does. */
  readonly nodeLeaseDurationSeconds: number;
  readonly maxPods: number;
}

export interface EdgeCoreConfig {
  readonly apiVersion: typeof EDGECORE_API_VERSION;
  readonly kind: typeof EDGECORE_KIND;
  readonly database: { readonly driverName: 'sqlite3'; readonly aliasName: string; readonly dataSource: string };
  readonly modules: {
    readonly edged: EdgedConfig;
    readonly edgeHub: EdgeHubConfig;
    readonly metaManager: {
      readonly enable: boolean;
      readonly contextSendGroup: string;
      readonly contextSendModule: string;
      /** Seconds a remote query waits for the cloud. */
      readonly remoteQueryTimeout: number;
      readonly metaServer: { readonly enable: boolean; readonly server: string };
    };
  };
}

export const DEFAULT_EDGECORE_CONFIG: EdgeCoreConfig = {
  apiVersion: EDGECORE_API_VERSION,
  kind: EDGECORE_KIND,
  database: { driverName: 'sqlite3', aliasName: 'default', dataSource: '/var/lib/kubeedge/edgecore.db' },
  modules: {
    edged: {
      enable: true,
      hostnameOverride: '',
      nodeIP: '',
      nodeLabels: {},
      registerNodeNamespace: 'default',
      runtimeType: 'hollow',
      nodeStatusReportFrequency: 300,
      nodeLeaseDurationSeconds: 40,
      maxPods: 110,
    },
    edgeHub: {
      enable: true,
      heartbeat: 15,
      messageQPS: 30,
      messageBurst: 60,
      projectID: DEFAULT_PROJECT_ID,
      tlsCaFile: '/etc/kubeedge/ca/rootCA.crt',
      tlsCertFile: '/etc/kubeedge/certs/server.crt',
      tlsPrivateKeyFile: '/etc/kubeedge/certs/server.key',
      websocket: { enable: true, server: '127.0.0.1:10000', handshakeTimeout: 30, readDeadline: 15, writeDeadline: 15 },
      httpServer: 'https://127.0.0.1:10002',
      token: '',
      rotateCertificates: true,
    },
    metaManager: {
      enable: true,
      contextSendGroup: 'hub',
      contextSendModule: 'websocket',
      remoteQueryTimeout: 60,
      metaServer: { enable: false, server: '127.0.0.1:10550' },
    },
  },
};
