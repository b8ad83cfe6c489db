/**
 * The workload controllers of the embedded control plane: Deployment and ReplicaSet, as
 * kube-controller-manager's deployment-controller and replicaset-controller.
 */
import type { Controller } from '../types.js';
import { createDeploymentController } from './deployment-controller.js';
import { createReplicaSetController } from './replicaset-controller.js';

export { createDeploymentController } from './deployment-controller.js';
export { createReplicaSetController } from './replicaset-controller.js';
export { computePodTemplateHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';

/** The workload controllers, in the order they are started. */
export function workloadControllers(): Controller[] {
  return [createReplicaSetController(), createDeploymentController()];
}
