/** The Job controller of the embedded control plane (with TTL-after-finished), and its pure step decision. */
import type { Controller } from '../types.js';
import { createJobController, type JobControllerOptions } from './controller.js';

export { createJobController, jobPodFor, selectorPatch, type JobControllerOptions } from './controller.js';
export {
  CONTROLLER_UID_LABEL,
  DEFAULT_JOB_STEP_OPTIONS,
  JOB_CONTROLLER_NAME,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  isJobFinished,
  jobStep,
  type CountedPods,
  type JobEvent,
  type JobStep,
  type JobStepOptions,
} from './job-step.js';

/** The controllers of this folder, for the controller manager's list. */
export function batchControllers(opts: JobControllerOptions = {}): Controller[] {
  return [createJobController(opts)];
}
