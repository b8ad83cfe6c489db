import type { Controller } from '../types.js';
import { createEndpointSliceController } from './endpointslice-controller.js';
import { createEndpointsController } from './endpoints-controller.js';

export { createEndpointsController } from './endpoints-controller.js';
export { createEndpointSliceController } from './endpointslice-controller.js';
export {
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  SLICE_CONTROLLER_NAME,
  endpointSubsets,
  MAX_ENDPOINTS_PER_SLICE,
  hasServingAddress,
  isEndpointCandidate,
  isPodReady,
  podPorts,
  resolvePort,
  selects,
  serviceSelector,
  sliceContents,
  sliceName,
  type ResolvedPort,
  type SliceContent,
} from './compute.js';

/** The endpoints controller and the endpointslice controller. */
export function endpointsControllers(): Controller[] {
  return [createEndpointsController(), createEndpointSliceController()];
}
