/**
 * Which nodes cloudhub may forget: from the shared Nodes informer, a node that was deleted or lost
 * the edge label is gone, and its downstream queue can be freed. Before the informer has synced
 * nothing is known to be gone.
 */
import { RESOURCES, type InformerFactory, type V1Node } from '../../kube/client/index.js';
import { EDGE_NODE_LABEL } from '../common/index.js';

export interface EdgeNodeWatch {
  /** True when the cache has synced and holds no edge node of that name. */
  gone(nodeId: string): boolean;
  stop(): void;
}

function isEdge(node: V1Node | undefined): boolean {
  return node?.metadata?.labels?.[EDGE_NODE_LABEL] !== undefined;
}

export function watchEdgeNodes(informers: InformerFactory, onRemoved: (nodeId: string) => void): EdgeNodeWatch {
  const nodes = informers.informer(RESOURCES.nodes);
  let synced = false;
  nodes.synced.then(
    () => (synced = true),
    () => undefined,
  );
  const offs = [
    nodes.onDelete((n) => {
      const name = n.metadata?.name;
      if (name !== undefined) onRemoved(name);
    }),
    nodes.onUpdate((old, n) => {
      const name = n.metadata?.name;
      if (name !== undefined && isEdge(old) && !isEdge(n)) onRemoved(name);
    }),
  ];
  return {
    gone: (nodeId) => synced && !isEdge(nodes.get(undefined, nodeId)),
    stop: () => {
      for (const off of offs) off();
    },
  };
}
