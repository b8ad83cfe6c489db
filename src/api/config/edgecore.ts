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
  /** Where pod directories, volumes, logs and process-runtime state live; '' = `<dir of database.dataSource>/edged`. */
  readonly rootDirectory: string;
  /** The pause image of CRI sandboxes. */
  readonly podSandboxImage: string;
  readonly tailoredKubeletConfig: TailoredKubeletConfig;
}

/** The kubelet fields edged honours (KubeEdge's `tailoredKubeletConfig`; other kubelet keys are accepted and ignored). */
export interface TailoredKubeletConfig {
  /** CRI socket of the `cri` runtime. */
  readonly containerRuntimeEndpoint: string;
  /** Folder of static pod manifests (YAML or JSON); a missing folder means none. */
  readonly staticPodPath: string;
  /** Seconds between full resyncs of every pod (volumes refreshed, dead containers restarted). */
  readonly syncFrequency: number;
  /** Image garbage collection starts above this disk use of the image filesystem... */
  readonly imageGCHighThresholdPercent: number;
  /** ...and removes unused images until use is below this. */
  readonly imageGCLowThresholdPercent: number;
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
      rootDirectory: '',
      podSandboxImage: 'kubeedge/pause:3.6',
      tailoredKubeletConfig: {
        containerRuntimeEndpoint: 'unix:///run/containerd/containerd.sock',
        staticPodPath: '/etc/kubeedge/manifests',
        syncFrequency: 10,
        imageGCHighThresholdPercent: 85,
        imageGCLowThresholdPercent: 80,
      },
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
