/**
 * CRI client over gRPC (runtime.v1 RuntimeService and ImageService) for containerd or any other
 * CRI runtime. One channel serves both services. Every call has a deadline; gRPC failures become
 * KeErrors: KE_CRI_UNAVAILABLE (runtime not reachable), KE_CRI_NOT_FOUND (no such sandbox,
 * container or image), KE_CRI_CALL (anything else), each with the gRPC status in `details`.
 */
import * as grpc from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/proto-loader';
import { KeError } from '../../base/index.js';
import { IMAGE_SERVICE, RUNTIME_SERVICE, criService } from './proto.js';
import type {
  AuthConfig,
  Container,
  ContainerConfig,
  ContainerFilter,
  ContainerStatusResponse,
  ExecSyncResult,
  Image,
  ImageFsInfoResponse,
  ImageSpec,
  Int64In,
  PodSandbox,
  PodSandboxConfig,
  PodSandboxFilter,
  PodSandboxStatusResponse,
  VersionResponse,
} from './types.js';

export const DEFAULT_CRI_ENDPOINT = 'unix:///run/containerd/containerd.sock';
export const DEFAULT_CRI_TIMEOUT_MS = 10_000;
/** Same cap as the kubelet's CRI client. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export interface CriClientOptions {
  /** Deadline of each call unless the call sets its own. Default 10 s. */
  readonly timeoutMs?: number;
}

export interface CriCallOptions {
  readonly timeoutMs?: number;
  /** Cancels the call; it then fails with KE_CRI_CALL (gRPC CANCELLED). */
  readonly signal?: AbortSignal;
}

export interface CriClient {
  readonly endpoint: string;
  version(opts?: CriCallOptions): Promise<VersionResponse>;
  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string, opts?: CriCallOptions): Promise<string>;
  stopPodSandbox(podSandboxId: string, opts?: CriCallOptions): Promise<void>;
  removePodSandbox(podSandboxId: string, opts?: CriCallOptions): Promise<void>;
  podSandboxStatus(podSandboxId: string, verbose?: boolean, opts?: CriCallOptions): Promise<PodSandboxStatusResponse>;
  listPodSandbox(filter?: PodSandboxFilter, opts?: CriCallOptions): Promise<PodSandbox[]>;
  createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
    opts?: CriCallOptions,
  ): Promise<string>;
  startContainer(containerId: string, opts?: CriCallOptions): Promise<void>;
  /** `timeoutSec` is the grace period before the runtime kills the container. */
  stopContainer(containerId: string, timeoutSec: Int64In, opts?: CriCallOptions): Promise<void>;
  removeContainer(containerId: string, opts?: CriCallOptions): Promise<void>;
  listContainers(filter?: ContainerFilter, opts?: CriCallOptions): Promise<Container[]>;
  containerStatus(containerId: string, verbose?: boolean, opts?: CriCallOptions): Promise<ContainerStatusResponse>;
  /** `timeoutSec` 0 lets the command run until the call deadline. */
  execSync(containerId: string, cmd: string[], timeoutSec?: Int64In, opts?: CriCallOptions): Promise<ExecSyncResult>;
  listImages(filter?: ImageSpec, opts?: CriCallOptions): Promise<Image[]>;
  /** null when the runtime does not have the image. */
  imageStatus(image: ImageSpec, verbose?: boolean, opts?: CriCallOptions): Promise<Image | null>;
  /** Returns the image reference (ID) the runtime stored. Pulls are slow: pass a generous timeoutMs. */
  pullImage(image: ImageSpec, auth?: AuthConfig, sandboxConfig?: PodSandboxConfig, opts?: CriCallOptions): Promise<string>;
  removeImage(image: ImageSpec, opts?: CriCallOptions): Promise<void>;
  imageFsInfo(opts?: CriCallOptions): Promise<ImageFsInfoResponse>;
  close(): void;
}

/** `/path/x.sock` → `unix:///path/x.sock`; URLs pass unchanged. */
export function normalizeCriEndpoint(endpoint: string): string {
  return endpoint.startsWith('/') ? `unix://${endpoint}` : endpoint;
}

/** Turns a gRPC failure of `method` into the KeError callers match on. */
export function criError(method: string, err: unknown): KeError {
  const e = err as Partial<grpc.ServiceError>;
  const code = typeof e.code === 'number' ? e.code : grpc.status.UNKNOWN;
  const details = { method, grpcCode: code, grpcStatus: grpc.status[code] ?? 'UNKNOWN', grpcDetails: e.details ?? '' };
  const text = `CRI ${method} failed: ${grpc.status[code] ?? code}${e.details ? `: ${e.details}` : ''}`;
  if (code === grpc.status.UNAVAILABLE) return new KeError('KE_CRI_UNAVAILABLE', text, { cause: err, details });
  if (code === grpc.status.NOT_FOUND) return new KeError('KE_CRI_NOT_FOUND', text, { cause: err, details });
  return new KeError('KE_CRI_CALL', text, { cause: err, details });
}

export function createCriClient(endpoint: string = DEFAULT_CRI_ENDPOINT, options: CriClientOptions = {}): CriClient {
  const target = normalizeCriEndpoint(endpoint);
  const defaultTimeout = options.timeoutMs ?? DEFAULT_CRI_TIMEOUT_MS;
  const runtime = criService(RUNTIME_SERVICE);
  const images = criService(IMAGE_SERVICE);
  const channel = new grpc.Client(target, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  });

  function call<Res>(service: ServiceDefinition, method: string, req: object, opts?: CriCallOptions): Promise<Res> {
    const def = service[method];
    if (def === undefined) return Promise.reject(new KeError('KE_CRI_CALL', `CRI method ${method} is not in api.proto`));
    const timeoutMs = opts?.timeoutMs ?? defaultTimeout;
    return new Promise<Res>((resolve, reject) => {
      if (opts?.signal?.aborted === true) {
        reject(criError(method, { code: grpc.status.CANCELLED, details: 'aborted before start' }));
        return;
      }
      const onAbort = (): void => pending.cancel();
      const pending = channel.makeUnaryRequest<object, object>(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, res) => {
          opts?.signal?.removeEventListener('abort', onAbort);
          if (err !== null || res === undefined) reject(criError(method, err ?? { details: 'empty response' }));
          else resolve(res as Res);
        },
      );
      opts?.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
  const rt = <Res>(method: string, req: object, opts?: CriCallOptions): Promise<Res> => call<Res>(runtime, method, req, opts);
  const img = <Res>(method: string, req: object, opts?: CriCallOptions): Promise<Res> => call<Res>(images, method, req, opts);

  return {
    endpoint: target,
    version: (opts) => rt<VersionResponse>('Version', { version: 'v1' }, opts),
    runPodSandbox: async (config, runtimeHandler = '', opts) =>
      (await rt<{ podSandboxId: string }>('RunPodSandbox', { config, runtimeHandler }, opts)).podSandboxId,
    stopPodSandbox: async (podSandboxId, opts) => {
      await rt('StopPodSandbox', { podSandboxId }, opts);
    },
    removePodSandbox: async (podSandboxId, opts) => {
      await rt('RemovePodSandbox', { podSandboxId }, opts);
    },
    podSandboxStatus: (podSandboxId, verbose = false, opts) =>
      rt<PodSandboxStatusResponse>('PodSandboxStatus', { podSandboxId, verbose }, opts),
    listPodSandbox: async (filter, opts) =>
      (await rt<{ items: PodSandbox[] }>('ListPodSandbox', filter === undefined ? {} : { filter }, opts)).items,
    createContainer: async (podSandboxId, config, sandboxConfig, opts) =>
      (await rt<{ containerId: string }>('CreateContainer', { podSandboxId, config, sandboxConfig }, opts)).containerId,
    startContainer: async (containerId, opts) => {
      await rt('StartContainer', { containerId }, opts);
    },
    stopContainer: async (containerId, timeout, opts) => {
      await rt('StopContainer', { containerId, timeout }, opts);
    },
    removeContainer: async (containerId, opts) => {
      await rt('RemoveContainer', { containerId }, opts);
    },
    listContainers: async (filter, opts) =>
      (await rt<{ containers: Container[] }>('ListContainers', filter === undefined ? {} : { filter }, opts)).containers,
    containerStatus: (containerId, verbose = false, opts) =>
      rt<ContainerStatusResponse>('ContainerStatus', { containerId, verbose }, opts),
    execSync: async (containerId, cmd, timeout = 0, opts) => {
      const res = await rt<{ stdout: Uint8Array; stderr: Uint8Array; exitCode: number }>('ExecSync', { containerId, cmd, timeout }, opts);
      return { stdout: Buffer.from(res.stdout), stderr: Buffer.from(res.stderr), exitCode: res.exitCode };
    },
    listImages: async (filter, opts) =>
      (await img<{ images: Image[] }>('ListImages', filter === undefined ? {} : { filter: { image: filter } }, opts)).images,
    imageStatus: async (image, verbose = false, opts) => (await img<{ image: Image | null }>('ImageStatus', { image, verbose }, opts)).image,
    pullImage: async (image, auth, sandboxConfig, opts) => {
      const req: Record<string, unknown> = { image };
      if (auth !== undefined) req['auth'] = auth;
      if (sandboxConfig !== undefined) req['sandboxConfig'] = sandboxConfig;
      return (await img<{ imageRef: string }>('PullImage', req, opts)).imageRef;
    },
    removeImage: async (image, opts) => {
      await img('RemoveImage', { image }, opts);
    },
    imageFsInfo: (opts) => img<ImageFsInfoResponse>('ImageFsInfo', {}, opts),
    close: () => channel.close(),
  };
}
