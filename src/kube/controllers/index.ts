export { ControllerManager, type ControllerManagerOptions } from './manager.js';
export { DEFAULT_CONTROL_PLANE_OPTIONS, type Controller, type ControllerContext, type ControlPlaneOptions } from './types.js';
