/** The DaemonSet controller of the embedded control plane, and its pure placement and rollout decisions. */
import type { Controller } from '../types.js';
import { createDaemonSetController } from './controller.js';

export { createDaemonSetController, DAEMONSET_CONTROLLER_NAME } from './controller.js';
export { daemonPodTolerations, EDGE_ROLE_LABEL, fitsNodeAffinity, isEdgeNode, labelSelectorMatches, nodeShouldRunDaemonPod, tolerates, type Placement } from './placement.js';
export { planDaemonSet, resolveMaxUnavailable, type DaemonSetPlan } from './plan.js';
export { daemonPodFor } from './pod.js';
export { REVISION_HASH_LABEL, TEMPLATE_GENERATION_LABEL, templateHash } from './revision.js';

/** The controllers of this folder, for the controller manager's list. */
export function daemonSetControllers(): Controller[] {
  return [createDaemonSetController()];
}
