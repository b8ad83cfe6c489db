export { createScheduler, numFeasibleNodesToFind, DEFAULT_SCHEDULER_NAME, type SchedulerHandle, type SchedulerOptions, type SchedulerStats } from './scheduler.js';
export { parseQuantity, podRequests, nodeAllocatable, type Resources } from './resources.js';
