/**
 * The explicit list of cloudcore's modules (KubeEdge's names): synccontroller, edgecontroller and
 * cloudhub, each only when enabled in the config.
 */
import type { CloudCoreConfig } from '../../api/config/index.js';
import type { CloudModule, CloudModuleDeps } from '../../cloud/common/index.js';
import { createCloudHubModule, type CloudHubModule } from '../../cloud/cloudhub/index.js';
import { createEdgeControllerModule } from '../../cloud/edgecontroller/index.js';
import { createSyncControllerModule } from '../../cloud/synccontroller/index.js';

export interface CloudModules {
  readonly modules: readonly CloudModule[];
  /** Set when cloudhub is enabled. */
  readonly hub: CloudHubModule | undefined;
}

export function cloudModules(config: CloudCoreConfig, deps: CloudModuleDeps & { readonly dataDir: string }): CloudModules {
  const m = config.modules;
  const child = (module: string): CloudModuleDeps => ({ ...deps, log: deps.log.child({ module }) });
  const modules: CloudModule[] = [];
  if (m.syncController.enable) modules.push(createSyncControllerModule({ resyncPeriod: m.syncController.resyncPeriod }, child('synccontroller')));
  if (m.edgeController.enable) modules.push(createEdgeControllerModule({ nodeUpdateFrequency: m.edgeController.nodeUpdateFrequency }, child('edgecontroller')));
  let hub: CloudHubModule | undefined;
  if (m.cloudHub.enable) {
    hub = createCloudHubModule(m.cloudHub, { ...child('cloudhub'), dataDir: deps.dataDir });
    modules.push(hub);
  }
  return { modules, hub };
}
