/** The StatefulSet controller of the embedded control plane, and its pure ordering decisions. */
import type { Controller } from '../types.js';
import { createStatefulSetController } from './controller.js';

export { createStatefulSetController, selectorMatches, STATEFULSET_CONTROLLER_NAME } from './controller.js';
export { PodExpectations } from './expectations.js';
export { isAvailable, isRunningAndReady, planStatefulSet, statefulSetStatus, type StatefulSetPlan } from './plan.js';
export { ordinalOf, POD_INDEX_LABEL, POD_NAME_LABEL, statefulPodFor } from './pod.js';
export { revisionName, statefulSetRevision, statefulSetTemplateHash, STS_REVISION_LABEL, templateOfRevision } from './revision.js';

/** The controllers of this folder, for the controller manager's list. */
export function statefulSetControllers(): Controller[] {
  return [createStatefulSetController()];
}
