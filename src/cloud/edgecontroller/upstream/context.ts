/**
 * What every upstream handler gets: the parsed request, the caches, the client, and the ways to
 * answer (a reply keeps the request's resource and names it in parent_msg_id).
 */
import { contentJson, type KubeEdgeMessage } from '../../../api/index.js';
import { isJsonObject, type JsonObject } from '../../../base/index.js';
import type { KubeClient, SharedInformer, V1ConfigMap, V1Node, V1Pod, V1Secret } from '../../../kube/client/index.js';
import type { Logger } from '../../../platform/log/index.js';
import type { EdgeControllerMetrics } from '../metrics.js';
import type { KubeStatus, ReplyShape } from '../replies.js';

export interface UpstreamRequest {
  readonly msg: KubeEdgeMessage;
  /** The session's node (from the cloud resource `node/<id>/...`). */
  readonly nodeId: string;
  readonly namespace: string;
  readonly resourceType: string;
  readonly name: string | undefined;
}

export interface UpstreamEnv {
  readonly client: KubeClient;
  readonly nodes: SharedInformer<V1Node>;
  readonly pods: SharedInformer<V1Pod>;
  readonly configmaps: SharedInformer<V1ConfigMap>;
  readonly secrets: SharedInformer<V1Secret>;
  /** Pods bound to `node`, from the pods informer. */
  podsOn(node: string): V1Pod[];
  readonly log: Logger;
  readonly metrics: EdgeControllerMetrics;
  /** Written into the `cloudcore` annotation of registering / connecting nodes. */
  readonly advertiseAddress: string;
  readonly nodeUpdateFrequency: number;
  /** The cluster CA (PEM), when cmd knows it. */
  readonly clusterCaPem: string | undefined;
  readonly signal: AbortSignal;
  /** Queues a downstream message for cloudhub. */
  sendDownstream(msg: KubeEdgeMessage): void;
  /** Sends `content` as the reply to `req` (op response), with header.resourceversion when given. */
  reply(req: UpstreamRequest, content: unknown, resourceVersion?: string): void;
  /** Replies with `status` in the given shape. */
  replyError(req: UpstreamRequest, shape: ReplyShape, status: KubeStatus): void;
  /** Refuses (403), logs and counts under `reason`. */
  refuse(req: UpstreamRequest, shape: ReplyShape, reason: string, message: string): void;
  /** Replies 400/405/501 for what is not supported, and counts it under `reason`. */
  unsupported(req: UpstreamRequest, shape: ReplyShape, code: 400 | 405 | 501, reason: string, message: string): void;
}

/** Per-call options for API requests from upstream handlers. */
export function callOpts(env: UpstreamEnv): { signal: AbortSignal; timeoutMs: number } {
  return { signal: env.signal, timeoutMs: 15_000 };
}

/** The request's content as JSON, or undefined when it is not JSON. */
export function jsonContent(req: UpstreamRequest): unknown {
  try {
    return contentJson(req.msg);
  } catch {
    return undefined;
  }
}

/** The request's content as a JSON object; otherwise answers 400 (bad-body, `message`) and returns undefined. */
export function objectContent(req: UpstreamRequest, env: UpstreamEnv, shape: ReplyShape, message: string): JsonObject | undefined {
  const body = jsonContent(req);
  if (isJsonObject(body)) return body;
  env.unsupported(req, shape, 400, 'bad-body', message);
  return undefined;
}
