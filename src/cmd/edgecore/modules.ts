/** The explicit list of edgecore's modules (KubeEdge's names): websocket (edgehub), metamanager, edged. */
import type { EdgeModule, EdgeModuleDeps } from '../../edge/common/index.js';
import { createEdgedModule } from '../../edge/edged/index.js';
import { createEdgeHubModule, type EdgeHubModule } from '../../edge/edgehub/index.js';
import { createMetaManagerModule } from '../../edge/metamanager/index.js';

export interface EdgeModules {
  readonly modules: readonly EdgeModule[];
  readonly hub: EdgeHubModule;
}

export function edgeModules(deps: EdgeModuleDeps): EdgeModules {
  const child = (module: string): EdgeModuleDeps => ({ ...deps, log: deps.log.child({ module }) });
  const hub = createEdgeHubModule(child('websocket'));
  const m = deps.config.modules;
  const modules: EdgeModule[] = [];
  if (m.edgeHub.enable) modules.push(hub);
  if (m.metaManager.enable) modules.push(createMetaManagerModule(child('metamanager')));
  if (m.edged.enable) modules.push(createEdgedModule(child('edged')));
  return { modules, hub };
}
