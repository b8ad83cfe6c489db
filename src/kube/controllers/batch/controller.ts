/**
 * The Job controller (kube-controller-manager's `job-controller`, NonIndexed completion mode, with
 * the TTL-after-finished controller folded in), through the API only: informers on Jobs and pods, a
 * work queue of Job keys; each sync defaults the selector when the API server did not, runs jobStep,
 * creates and deletes pods (waiting through expectations until the informer has seen them), writes
 * the status and records the events. Pods are found by their controller ownerReference.
 */
import { errorMessage } from '../../../base/index.js';
import {
  isConflict,
  isNotFound,
  objectKey,
  RESOURCES,
  runWorkers,
  WorkQueue,
  type EventRecorder,
  type SharedInformer,
  type V1Job,
  type V1JobStatus,
  type V1Pod,
} from '../../client/index.js';
import { Expectations, watchOwnedPods } from '../common/expectations.js';
import { controllerKey, indexByControllerUid } from '../common/matching.js';
import { slowStartBatch } from '../common/slow-start.js';
import type { Controller, ControllerContext } from '../types.js';
import {
  CONTROLLER_UID_LABEL,
  DEFAULT_JOB_STEP_OPTIONS,
  isJobFinished,
  JOB_CONTROLLER_NAME,
  JOB_NAME_LABEL,
  jobStep,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  type JobStepOptions,
} from './job-step.js';

const OWNER_INDEX = 'job-controller/owner-uid';

export type JobControllerOptions = Partial<JobStepOptions>;

function ownerKey(pod: V1Pod): string | undefined {
  return controllerKey(pod, 'Job');
}

/** The patch that gives a Job without a selector the generated one (what the API server does in Kubernetes). */
export function selectorPatch(job: V1Job): Record<string, unknown> | undefined {
  if (job.spec?.selector !== undefined || job.spec?.manualSelector === true) return undefined;
  const uid = job.metadata?.uid ?? '';
  const name = job.metadata?.name ?? '';
  return {
    spec: {
      selector: { matchLabels: { [CONTROLLER_UID_LABEL]: uid } },
      template: {
        metadata: {
          labels: { [CONTROLLER_UID_LABEL]: uid, [LEGACY_CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, [LEGACY_JOB_NAME_LABEL]: name },
        },
      },
    },
  };
}

export function jobPodFor(job: V1Job): V1Pod {
  const meta = job.metadata ?? {};
  const template = job.spec?.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${meta.name ?? ''}-`,
      namespace: meta.namespace ?? 'default',
      labels: { ...(template?.metadata?.labels ?? {}) },
      ...(template?.metadata?.annotations === undefined ? {} : { annotations: { ...template.metadata.annotations } }),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: meta.name ?? '', uid: meta.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec: { ...(template?.spec ?? { containers: [] }) },
  };
}

function statusKey(s: V1JobStatus | undefined): string {
  return JSON.stringify([s?.active ?? 0, s?.ready ?? 0, s?.succeeded ?? 0, s?.failed ?? 0, s?.startTime, s?.completionTime, s?.conditions ?? []]);
}

interface Memory {
  readonly uid: string;
  readonly succeeded: Set<string>;
  readonly failed: Set<string>;
  /** The finishing status this controller wrote. */
  finished?: V1JobStatus;
  /** The startTime this controller wrote. */
  startTime?: string;
}

class JobController {
  readonly #ctx: ControllerContext;
  readonly #opts: JobStepOptions;
  readonly #recorder: EventRecorder;
  readonly #queue = new WorkQueue<string>({ name: JOB_CONTROLLER_NAME });
  readonly #expectations: Expectations;
  readonly #jobs: SharedInformer<V1Job>;
  readonly #pods: SharedInformer<V1Pod>;
  readonly #memory = new Map<string, Memory>();

  constructor(ctx: ControllerContext, opts: JobControllerOptions) {
    this.#ctx = ctx;
    this.#opts = { ...DEFAULT_JOB_STEP_OPTIONS, ...opts };
    this.#recorder = ctx.recorder(JOB_CONTROLLER_NAME);
    this.#expectations = new Expectations(ctx.clock);
    this.#jobs = ctx.informers.informer(RESOURCES.jobs);
    this.#pods = ctx.informers.informer(RESOURCES.pods);
    indexByControllerUid(this.#pods, OWNER_INDEX, 'Job');
  }

  async start(signal: AbortSignal): Promise<void> {
    const enqueue = (j: V1Job): void => this.#queue.add(objectKey(j));
    this.#jobs.onAdd(enqueue);
    this.#jobs.onUpdate((_o, j) => enqueue(j));
    this.#jobs.onDelete((j) => {
      this.#expectations.forget(objectKey(j));
      this.#memory.delete(objectKey(j));
    });
    watchOwnedPods(this.#pods, ownerKey, this.#expectations, this.#queue);
    await Promise.all([this.#jobs.synced, this.#pods.synced]);
    signal.addEventListener('abort', () => this.#queue.shutDown(), { once: true });
    void runWorkers(this.#queue, this.#ctx.options.workers, (key) => this.#sync(key, signal), signal, {
      onError: (key, err) => this.#ctx.log.warn({ key, err: errorMessage(err) }, 'job sync failed'),
    });
  }

  #memoryFor(key: string, uid: string): Memory {
    let m = this.#memory.get(key);
    if (m === undefined || m.uid !== uid) {
      m = { uid, succeeded: new Set(), failed: new Set() };
      this.#memory.set(key, m);
    }
    return m;
  }

  async #sync(key: string, signal: AbortSignal): Promise<void> {
    const job = this.#jobs.getByKey(key);
    if (job === undefined || job.metadata?.deletionTimestamp !== undefined) return;
    const ns = job.metadata?.namespace;
    const name = job.metadata?.name ?? '';
    const uid = job.metadata?.uid ?? '';
    const patch = selectorPatch(job);
    if (patch !== undefined) {
      // the update event brings the Job back with its selector
      await this.#ctx.client.patch(RESOURCES.jobs, ns, name, patch, { type: 'merge', signal });
      return;
    }
    if (!this.#expectations.satisfied(key)) return;
    const memory = this.#memoryFor(key, uid);
    const pods = this.#pods.byIndex(OWNER_INDEX, uid);
    const now = this.#ctx.clock.now();
    // the cache may not show our own finishing status write yet: never decide twice that it finished
    // (nor start it twice: keep the startTime we wrote while the cache lacks it)
    let seen = memory.finished !== undefined && !isJobFinished(job) ? { ...job, status: memory.finished } : job;
    if (seen.status?.startTime === undefined && memory.startTime !== undefined && job.spec?.suspend !== true) seen = { ...seen, status: { ...seen.status, startTime: memory.startTime } };
    const step = jobStep(seen, pods, memory, now, this.#opts);
    for (const u of step.newlySucceeded) memory.succeeded.add(u);
    for (const u of step.newlyFailed) memory.failed.add(u);

    if (step.deleteJob) {
      try {
        await this.#ctx.client.delete(RESOURCES.jobs, ns, name, { propagationPolicy: 'Background', preconditions: { uid }, signal });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }

    const errors: unknown[] = [];
    this.#expectations.expectCreations(key, step.create);
    for (const p of step.delete) this.#expectations.expectDeletion(key, p.metadata?.uid ?? '');
    const template = jobPodFor(job);
    const creating = slowStartBatch(step.create, async () => {
      try {
        const pod = await this.#ctx.client.create(RESOURCES.pods, template, { signal });
        this.#recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
      } catch (err) {
        this.#expectations.creationObserved(key);
        this.#recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
        throw err;
      }
    }).then(({ skipped, error }) => {
      for (let i = 0; i < skipped; i++) this.#expectations.creationObserved(key);
      if (error !== undefined) errors.push(error);
    });
    await Promise.all([
      creating,
      ...step.delete.map(async (pod) => {
        const podUid = pod.metadata?.uid ?? '';
        try {
          await this.#ctx.client.delete(RESOURCES.pods, pod.metadata?.namespace, pod.metadata?.name ?? '', { preconditions: { uid: podUid }, signal });
          this.#recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name ?? ''}`);
        } catch (err) {
          this.#expectations.deletionObserved(key, podUid);
          if (!isNotFound(err)) errors.push(err);
        }
      }),
    ]);
    if (statusKey(seen.status) !== statusKey(step.status)) {
      await this.#ctx.client.patch(RESOURCES.jobs, ns, name, { status: step.status }, { type: 'merge', subresource: 'status', signal });
    }
    if (isJobFinished({ status: step.status })) memory.finished = step.status;
    if (step.status.startTime !== undefined) memory.startTime = step.status.startTime;
    else delete memory.startTime;
    for (const e of step.events) this.#recorder.event(job, e.type, e.reason, e.message);
    if (errors.length > 0) throw errors[0];
    if (step.requeueAfterMs !== undefined) this.#queue.addAfter(key, Math.max(1, step.requeueAfterMs));
  }
}

export function createJobController(opts: JobControllerOptions = {}): Controller {
  return {
    name: JOB_CONTROLLER_NAME,
    start: (ctx, signal) => new JobController(ctx, opts).start(signal),
  };
}
