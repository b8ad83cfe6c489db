/**
 * TypeScript shapes of the CRI runtime.v1 messages we use (see api.proto), as proto-loader hands
 * them over: camelCase names, int64/uint64 as decimal strings on output (numbers or strings are
 * accepted on input), enums as upstream names. Responses have every scalar filled with its default;
 * an absent nested message is `null`. Requests may leave anything out.
 */

/** int64/uint64 on the wire. Output is always a decimal string. */
export type Int64 = string;
/** int64/uint64 accepted in a request. */
export type Int64In = string | number;

export const NAMESPACE_MODES = ['POD', 'CONTAINER', 'NODE', 'TARGET'] as const;
export type NamespaceMode = (typeof NAMESPACE_MODES)[number];
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const MOUNT_PROPAGATIONS = ['PROPAGATION_PRIVATE', 'PROPAGATION_HOST_TO_CONTAINER', 'PROPAGATION_BIDIRECTIONAL'] as const;
export type MountPropagation = (typeof MOUNT_PROPAGATIONS)[number];
export const SANDBOX_STATES = ['SANDBOX_READY', 'SANDBOX_NOTREADY'] as const;
export type PodSandboxState = (typeof SANDBOX_STATES)[number];
export const CONTAINER_STATES = ['CONTAINER_CREATED', 'CONTAINER_RUNNING', 'CONTAINER_EXITED', 'CONTAINER_UNKNOWN'] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];

export type StringMap = Record<string, string>;

export interface VersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

// ---- configs (request side) ----

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt?: number;
}

export interface DnsConfig {
  servers?: string[];
  searches?: string[];
  options?: string[];
}

export interface PortMapping {
  protocol?: Protocol;
  containerPort: number;
  hostPort?: number;
  hostIp?: string;
}

export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  targetId?: string;
}

export interface Int64Value {
  value: Int64In;
}

export const SECCOMP_PROFILE_TYPES = ['RuntimeDefault', 'Unconfined', 'Localhost'] as const;
export type SeccompProfileType = (typeof SECCOMP_PROFILE_TYPES)[number];

export interface SecurityProfile {
  profileType: SeccompProfileType;
  /** Localhost only: the profile's absolute path. */
  localhostRef?: string;
}

export interface LinuxSandboxSecurityContext {
  namespaceOptions?: NamespaceOption;
  runAsUser?: Int64Value;
  runAsGroup?: Int64Value;
  readonlyRootfs?: boolean;
  supplementalGroups?: Int64In[];
  privileged?: boolean;
  seccomp?: SecurityProfile;
  /** Deprecated upstream (`runtime/default`, `unconfined`, `localhost/<path>`); set alongside `seccomp` for older runtimes. */
  seccompProfilePath?: string;
}

export interface LinuxPodSandboxConfig {
  cgroupParent?: string;
  securityContext?: LinuxSandboxSecurityContext;
  sysctls?: StringMap;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  /** Leave empty for host-network pods (no private UTS namespace). */
  hostname?: string;
  logDirectory?: string;
  dnsConfig?: DnsConfig;
  portMappings?: PortMapping[];
  labels?: StringMap;
  annotations?: StringMap;
  linux?: LinuxPodSandboxConfig;
}

export interface ImageSpec {
  image: string;
  annotations?: StringMap;
  userSpecifiedImage?: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  propagation?: MountPropagation;
}

export interface LinuxContainerResources {
  cpuPeriod?: Int64In;
  cpuQuota?: Int64In;
  cpuShares?: Int64In;
  memoryLimitInBytes?: Int64In;
  oomScoreAdj?: Int64In;
}

/** Capability names without the `CAP_` prefix; `ALL` for every one. */
export interface Capability {
  addCapabilities?: string[];
  dropCapabilities?: string[];
}

export interface LinuxContainerSecurityContext {
  capabilities?: Capability;
  privileged?: boolean;
  namespaceOptions?: NamespaceOption;
  runAsUser?: Int64Value;
  runAsUsername?: string;
  runAsGroup?: Int64Value;
  readonlyRootfs?: boolean;
  supplementalGroups?: Int64In[];
  noNewPrivs?: boolean;
  seccomp?: SecurityProfile;
  /** Deprecated upstream; set alongside `seccomp` for older runtimes. */
  seccompProfilePath?: string;
}

export interface ContainerConfig {
  metadata: { name: string; attempt?: number };
  image: ImageSpec;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  labels?: StringMap;
  annotations?: StringMap;
  /** Relative to PodSandboxConfig.logDirectory. */
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: { resources?: LinuxContainerResources; securityContext?: LinuxContainerSecurityContext };
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

// ---- filters ----

export interface PodSandboxFilter {
  id?: string;
  state?: { state: PodSandboxState };
  labelSelector?: StringMap;
}

export interface ContainerFilter {
  id?: string;
  state?: { state: ContainerState };
  podSandboxId?: string;
  labelSelector?: StringMap;
}

// ---- statuses (response side) ----

export interface PodSandboxMetadataOut {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface NamespaceOptionOut {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
  targetId: string;
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadataOut | null;
  state: PodSandboxState;
  /** Nanoseconds since the epoch. */
  createdAt: Int64;
  network: { ip: string; additionalIps: { ip: string }[] } | null;
  linux: { namespaces: { options: NamespaceOptionOut | null } | null } | null;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

export interface PodSandboxStatusResponse {
  status: PodSandboxStatus | null;
  info: StringMap;
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadataOut | null;
  state: PodSandboxState;
  createdAt: Int64;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

export interface ImageSpecOut {
  image: string;
  annotations: StringMap;
  userSpecifiedImage: string;
}

export interface ContainerMetadataOut {
  name: string;
  attempt: number;
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadataOut | null;
  image: ImageSpecOut | null;
  imageRef: string;
  state: ContainerState;
  createdAt: Int64;
  labels: StringMap;
  annotations: StringMap;
  imageId: string;
}

export interface MountOut {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  selinuxRelabel: boolean;
  propagation: MountPropagation;
}

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadataOut | null;
  state: ContainerState;
  createdAt: Int64;
  startedAt: Int64;
  finishedAt: Int64;
  exitCode: number;
  image: ImageSpecOut | null;
  imageRef: string;
  reason: string;
  message: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: MountOut[];
  logPath: string;
  imageId: string;
}

export interface ContainerStatusResponse {
  status: ContainerStatus | null;
  info: StringMap;
}

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: Int64;
  uid: { value: Int64 } | null;
  username: string;
  spec: ImageSpecOut | null;
  pinned: boolean;
}

export interface FilesystemUsage {
  timestamp: Int64;
  fsId: { mountpoint: string } | null;
  usedBytes: { value: Int64 } | null;
  inodesUsed: { value: Int64 } | null;
}

export interface ImageFsInfoResponse {
  imageFilesystems: FilesystemUsage[];
  containerFilesystems: FilesystemUsage[];
}
