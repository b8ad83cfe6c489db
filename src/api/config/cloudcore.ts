/**
 * cloudcore.yaml: KubeEdge's `cloudcore.config.kubeedge.io/v1alpha1` `CloudCore` shape, limited to the
 * fields kubeedge-ts honours, plus `embedded` (our control plane). Paths left '' are filled in by
 * cloudcore from its data directory (`<dataDir>/ca/rootCA.crt`, `<dataDir>/certs/server.crt`, ...).
 */

export const CLOUDCORE_API_VERSION = 'cloudcore.config.kubeedge.io/v1alpha1';
export const CLOUDCORE_KIND = 'CloudCore';

export interface CloudHubConfig {
  readonly enable: boolean;
  /** IPs put in the server certificate and announced to edges. */
  readonly advertiseAddress: readonly string[];
  readonly dnsNames: readonly string[];
  /** Most edge sessions this cloudcore accepts; more are refused with 503. */
  readonly nodeLimit: number;
  /** Seconds without any frame from an edge before its session is closed. */
  readonly keepaliveInterval: number;
  /** Seconds a frame may wait to be written before the session is closed. */
  readonly writeTimeout: number;
  readonly tlsCAFile: string;
  readonly tlsCAKeyFile: string;
  readonly tlsCertFile: string;
  readonly tlsPrivateKeyFile: string;
  /** Days an edge certificate is valid. */
  readonly edgeCertSigningDuration: number;
  /** Hours between join-token refreshes; a token expires after twice this. */
  readonly tokenRefreshDuration: number;
  /** Largest accepted message in bytes; larger ones are dropped and counted (ours). */
  readonly maxMessageBytes: number;
  readonly websocket: { readonly enable: boolean; readonly address: string; readonly port: number };
  readonly https: { readonly enable: boolean; readonly address: string; readonly port: number };
  readonly authorization: { readonly enable: boolean };
}

export interface CloudCoreConfig {
  readonly apiVersion: typeof CLOUDCORE_API_VERSION;
  readonly kind: typeof CLOUDCORE_KIND;
  /** Empty kubeConfig: the embedded control plane. */
  readonly kubeAPIConfig: { readonly kubeConfig: string; readonly qps: number; readonly burst: number };
  readonly commonConfig: { readonly monitorServer: { readonly bindAddress: string } };
  readonly embedded: {
    /** State directory (SQLite, PKI, admin.kubeconfig). */
    readonly dataDir: string;
    /** HOST:PORT of the embedded API server. */
    readonly apiserverBind: string;
    readonly controllers: boolean;
    readonly nodeMonitorGracePeriod: number;
  };
  readonly modules: {
    readonly cloudHub: CloudHubConfig;
    readonly edgeController: { readonly enable: boolean; readonly nodeUpdateFrequency: number };
    readonly syncController: { readonly enable: boolean; /** Seconds between ObjectSync reconciles (KubeEdge: 5). */ readonly resyncPeriod: number };
  };
}

export const DEFAULT_CLOUDCORE_CONFIG: CloudCoreConfig = {
  apiVersion: CLOUDCORE_API_VERSION,
  kind: CLOUDCORE_KIND,
  kubeAPIConfig: { kubeConfig: '', qps: 100, burst: 200 },
  commonConfig: { monitorServer: { bindAddress: '127.0.0.1:9091' } },
  embedded: { dataDir: '', apiserverBind: '127.0.0.1:6443', controllers: true, nodeMonitorGracePeriod: 40 },
  modules: {
    cloudHub: {
      enable: true,
      advertiseAddress: ['127.0.0.1'],
      dnsNames: [],
      nodeLimit: 1000,
      keepaliveInterval: 30,
      writeTimeout: 30,
      tlsCAFile: '',
      tlsCAKeyFile: '',
      tlsCertFile: '',
      tlsPrivateKeyFile: '',
      edgeCertSigningDuration: 365,
      tokenRefreshDuration: 12,
      maxMessageBytes: 4 * 1024 * 1024,
      websocket: { enable: true, address: '0.0.0.0', port: 10000 },
      https: { enable: true, address: '0.0.0.0', port: 10002 },
      authorization: { enable: true },
    },
    edgeController: { enable: true, nodeUpdateFrequency: 10 },
    syncController: { enable: true, resyncPeriod: 5 },
  },
};
