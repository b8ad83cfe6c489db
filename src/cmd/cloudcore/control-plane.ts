import type { Logger } from '../../platform/log/index.js';
import { ControllerManager, type Controller } from '../../kube/controllers/index.js';
import { batchControllers } from '../../kube/controllers/batch/index.js';
import { daemonSetControllers } from '../../kube/controllers/daemonset/index.js';
import { endpointsControllers } from '../../kube/controllers/endpoints/index.js';
import { nodeLifecycleControllers } from '../../kube/controllers/node-lifecycle/index.js';
import { serviceAccountsControllers } from '../../kube/controllers/serviceaccounts/index.js';
import { statefulSetControllers } from '../../kube/controllers/statefulset/index.js';
import { workloadControllers } from '../../kube/controllers/workloads/index.js';
import { createScheduler } from '../../kube/scheduler/index.js';

/** The explicit list of what the embedded control plane runs beside its API server. */
export function embeddedControllers(): Controller[] {
  return [
    createScheduler(),
    ...workloadControllers(),
    ...daemonSetControllers(),
    ...statefulSetControllers(),
    ...batchControllers(),
    ...nodeLifecycleControllers(),
    ...endpointsControllers(),
    ...serviceAccountsControllers(),
  ];
}

/** Starts the scheduler and controllers against the embedded API server, through its HTTP API only. */
export async function startEmbeddedControllers(opts: { kubeconfigPath: string; log: Logger; nodeGraceSeconds: number }): Promise<ControllerManager> {
  const manager = new ControllerManager({
    kubeconfigPath: opts.kubeconfigPath,
    controllers: embeddedControllers(),
    log: opts.log.child({ module: 'controller-manager' }),
    options: { nodeMonitorGracePeriodSeconds: opts.nodeGraceSeconds },
  });
  await manager.start();
  return manager;
}
