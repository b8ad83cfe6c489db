/**
 * Routes an upstream message (cloud resource `node/<id>/<ns>/<type>[/<name>]`) to its handler by
 * resource type and operation. Node-scoped resources (node, nodestatus, nodepatch, lease) must name
 * the session's own node; anything unknown is answered 400 / 405 and counted, never thrown.
 */
import { Operation, ResourceType, parseCloudResource, type KubeEdgeMessage } from '../../../api/index.js';
import { RefKind } from '../../common/index.js';
import type { ReplyShape } from '../replies.js';
import type { UpstreamEnv, UpstreamRequest } from './context.js';
import { handleEvent } from './event.js';
import { NODE_LEASE_NAMESPACE, insertLease, queryLease, updateLease } from './lease.js';
import { patchNodeStatus, queryNode, registerNode, updateNode, updateNodeStatus } from './node.js';
import { deletePod, patchPodStatus, queryPodList, updatePodStatus } from './pod.js';
import { queryClusterCa, queryConfigOrSecret, queryServiceAccountToken } from './query.js';

export const NODE_MISMATCH = 'node-mismatch';

/** Parses the message into a request; undefined (after answering) when the resource is not an object path. */
export function parseRequest(msg: KubeEdgeMessage): { req: UpstreamRequest } | { clusterCa: UpstreamRequest } | { bad: string } {
  let parsed;
  try {
    parsed = parseCloudResource(msg.route.resource);
  } catch {
    return { bad: 'bad-resource' };
  }
  const base = { msg, nodeId: parsed.nodeId };
  if (parsed.ref?.kind === 'cluster-ca') return { clusterCa: { ...base, namespace: '', resourceType: 'k8s/ca.crt', name: undefined } };
  if (parsed.ref?.kind !== 'object') return { bad: 'bad-resource' };
  return { req: { ...base, namespace: parsed.ref.namespace, resourceType: parsed.ref.resourceType, name: parsed.ref.name } };
}

function shapeOf(op: string): ReplyShape {
  return op === Operation.Query ? 'query' : 'call';
}

/** Handles one upstream request; resolves when it has been answered. */
export async function dispatch(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  const op = req.msg.route.operation;
  const shape = shapeOf(op);
  const name = req.name;
  const needName = (n: string | undefined): n is string => {
    if (n !== undefined) return true;
    env.unsupported(req, shape, 400, 'no-name', `${req.resourceType} ${op} needs a name`);
    return false;
  };
  const ownNode = (): boolean => {
    if (name === req.nodeId) return true;
    env.refuse(req, shape, NODE_MISMATCH, `${req.resourceType} ${name ?? ''} is not node ${req.nodeId}`);
    return false;
  };
  const notAllowed = (): void => env.unsupported(req, shape, 405, 'unsupported-operation', `operation ${op} is not supported on ${req.resourceType}`);

  switch (req.resourceType) {
    case ResourceType.Node:
      if (!needName(name) || !ownNode()) return;
      if (op === Operation.Insert) return registerNode(req, env);
      if (op === Operation.Query) return queryNode(req, env);
      if (op === Operation.Update) return updateNode(req, env);
      return notAllowed();
    case ResourceType.NodeStatus:
      if (!needName(name) || !ownNode()) return;
      if (op === Operation.Update) return updateNodeStatus(req, env);
      return notAllowed();
    case ResourceType.NodePatch:
      if (!needName(name) || !ownNode()) return;
      if (op === Operation.Patch) return patchNodeStatus(req, env);
      return notAllowed();
    case ResourceType.Lease:
      if (!needName(name)) return;
      if (req.namespace !== NODE_LEASE_NAMESPACE || name !== req.nodeId) {
        env.refuse(req, 'call', NODE_MISMATCH, `lease ${req.namespace}/${name} is not the lease of node ${req.nodeId}`);
        return;
      }
      if (op === Operation.Query) return queryLease(req, env);
      if (op === Operation.Insert) return insertLease(req, env);
      if (op === Operation.Update) return updateLease(req, env);
      return notAllowed();
    case ResourceType.Pod:
      if (!needName(name)) return;
      if (op === Operation.Delete) return deletePod(req, env, name);
      return notAllowed();
    case ResourceType.PodPatch:
      if (!needName(name)) return;
      if (op === Operation.Patch) return patchPodStatus(req, env, name);
      return notAllowed();
    case ResourceType.PodStatus:
      if (op === Operation.Update) return updatePodStatus(req, env);
      return notAllowed();
    case ResourceType.PodList:
      if (op === Operation.Query) return queryPodList(req, env);
      return notAllowed();
    case ResourceType.ConfigMap:
      if (!needName(name)) return;
      if (op === Operation.Query) return queryConfigOrSecret(req, env, RefKind.ConfigMap, name);
      return notAllowed();
    case ResourceType.Secret:
      if (!needName(name)) return;
      if (op === Operation.Query) return queryConfigOrSecret(req, env, RefKind.Secret, name);
      return notAllowed();
    case ResourceType.ServiceAccountToken:
      if (!needName(name)) return;
      if (op === Operation.Query) return queryServiceAccountToken(req, env, name);
      return notAllowed();
    case ResourceType.Event:
      if (op === Operation.Insert || op === Operation.Update || op === Operation.Patch) return handleEvent(req, env, name);
      return notAllowed();
    default:
      env.unsupported(req, shape, 400, 'unsupported-resource', `resource type ${req.resourceType} is not supported`);
  }
}

export async function dispatchClusterCa(req: UpstreamRequest, env: UpstreamEnv): Promise<void> {
  if (req.msg.route.operation !== Operation.Query) {
    env.unsupported(req, 'query', 405, 'unsupported-operation', `operation ${req.msg.route.operation} is not supported on k8s/ca.crt`);
    return;
  }
  await queryClusterCa(req, env);
}
