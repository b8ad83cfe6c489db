import type { Controller } from '../types.js';
import { createNodeLifecycleController } from './controller.js';

export { createNodeLifecycleController, LEASE_NAMESPACE, POD_NODE_INDEX } from './controller.js';
export { evictionDecision, toleratedSeconds, tolerates, type EvictionDecision, type EvictionInput } from './eviction.js';
export {
  EDGE_ROLE_LABEL,
  NODE_STATUS_UNKNOWN_MESSAGE,
  NODE_STATUS_UNKNOWN_REASON,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  desiredTaints,
  isEdgeNode,
  isSilent,
  readiness,
  unknownConditions,
  type NodeReadiness,
} from './taints.js';

/** The controllers of this folder, for the controller manager's list. */
export function nodeLifecycleControllers(): Controller[] {
  return [createNodeLifecycleController()];
}
