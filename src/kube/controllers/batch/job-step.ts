/**
 * One Job sync as a pure decision (kube-controller-manager's syncJob for NonIndexed jobs): from the
 * Job, its pods and the time, how many pods to create, which to delete, the new status and the
 * events to record, and when to look again.
 *
 * Counting (uid sets in memory, no tracking finalizer): a finished pod counts once. The controller
 * keeps the uids of every finished pod it has seen (`counted`), so pods deleted after they were seen
 * stay counted; the count is max(status, counted + newly finished), so it never goes down, even
 * when the cached Job lags behind our own status write or after a controller restart (memory empty:
 * the pods still present are matched against status). Limits, as Kubernetes before the
 * `batch.kubernetes.io/job-tracking` finalizer (< 1.26): a pod deleted before the controller saw it
 * finish is not counted, and pods deleted across a restart can be under-counted.
 */
import type { V1Job, V1JobCondition, V1JobStatus, V1Pod } from '../../client/index.js';

export const JOB_CONTROLLER_NAME = 'job-controller';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

export interface JobEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface CountedPods {
  readonly succeeded: ReadonlySet<string>;
  readonly failed: ReadonlySet<string>;
}

export interface JobStep {
  readonly create: number;
  /** Active pods to delete (suspend, finish, parallelism lowered). */
  readonly delete: V1Pod[];
  readonly status: V1JobStatus;
  /** Uids of finished pods counted by this step (for the caller's memory). */
  readonly newlySucceeded: string[];
  readonly newlyFailed: string[];
  readonly events: JobEvent[];
  /** Look again after this many ms (deadline, failure backoff, TTL); undefined: on events only. */
  readonly requeueAfterMs: number | undefined;
  /** ttlSecondsAfterFinished has passed: delete the Job. */
  readonly deleteJob: boolean;
}

export interface JobStepOptions {
  /** Delay before replacing a failed pod, doubled per failure (Kubernetes: 10 s, at most 6 min). */
  readonly podFailureBackoffMs: number;
  readonly maxPodFailureBackoffMs: number;
}

export const DEFAULT_JOB_STEP_OPTIONS: JobStepOptions = { podFailureBackoffMs: 10_000, maxPodFailureBackoffMs: 360_000 };

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function condTrue(job: V1Job, type: string): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

export function isJobFinished(job: V1Job): boolean {
  return condTrue(job, 'Complete') !== undefined || condTrue(job, 'Failed') !== undefined;
}

/** When the Job finished (completionTime, else the Failed condition's transition), or undefined. */
export function finishedAtMs(job: V1Job): number | undefined {
  const t = job.status?.completionTime ?? condTrue(job, 'Complete')?.lastTransitionTime ?? condTrue(job, 'Failed')?.lastTransitionTime;
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

function setCondition(conds: V1JobCondition[], type: string, status: string, reason: string, message: string, now: string): V1JobCondition[] {
  const old = conds.find((c) => c.type === type);
  if (old !== undefined && old.status === status && old.reason === reason) return conds;
  const next: V1JobCondition = { type, status, reason, message, lastProbeTime: now, lastTransitionTime: old !== undefined && old.status === status ? (old.lastTransitionTime ?? now) : now };
  return [...conds.filter((c) => c.type !== type), next];
}

function isActive(p: V1Pod): boolean {
  const phase = p.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && p.metadata?.deletionTimestamp === undefined;
}

function isReady(p: V1Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function finishedMs(p: V1Pod): number {
  let last = 0;
  for (const c of p.status?.containerStatuses ?? []) {
    const t = c.state?.terminated?.finishedAt;
    if (t !== undefined) last = Math.max(last, Date.parse(t) || 0);
  }
  return last;
}

/**
 * restartPolicy OnFailure: the kubelet restarts failing containers in place, so the failures are
 * the restarts of the pods still running or pending (kube-controller-manager's pastBackoffLimitOnFailure).
 */
export function pastBackoffLimitOnFailure(job: V1Job, active: readonly V1Pod[], backoffLimit: number): boolean {
  if (job.spec?.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of active) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of [...(p.status.initContainerStatuses ?? []), ...(p.status.containerStatuses ?? [])]) restarts += c.restartCount;
  }
  return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
}

/** Pods to delete first when there are too many: not yet bound, then not ready, then the newest. */
function deletionOrder(a: V1Pod, b: V1Pod): number {
  const rank = (p: V1Pod): number => (p.spec?.nodeName === undefined ? 0 : isReady(p) ? 2 : 1);
  const d = rank(a) - rank(b);
  if (d !== 0) return d;
  return Date.parse(b.metadata?.creationTimestamp ?? '') - Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
}

export function jobStep(job: V1Job, pods: readonly V1Pod[], counted: CountedPods, nowMs: number, opts: JobStepOptions = DEFAULT_JOB_STEP_OPTIONS): JobStep {
  const now = rfc3339(nowMs);
  const spec = job.spec;
  const old = job.status ?? {};
  const events: JobEvent[] = [];
  const active = pods.filter(isActive);
  const succeededPods = pods.filter((p) => p.status?.phase === 'Succeeded');
  const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
  const newlySucceeded = succeededPods.map((p) => p.metadata?.uid ?? '').filter((u) => u !== '' && !counted.succeeded.has(u));
  const newlyFailed = failedPods.map((p) => p.metadata?.uid ?? '').filter((u) => u !== '' && !counted.failed.has(u));
  // every finished pod this process has seen, or what status says if more (a restart, a stale cache)
  const succeeded = Math.max(old.succeeded ?? 0, counted.succeeded.size + newlySucceeded.length);
  const failed = Math.max(old.failed ?? 0, counted.failed.size + newlyFailed.length);
  const ready = active.filter(isReady).length;
  let conditions = [...(old.conditions ?? [])];
  let startTime = old.startTime;
  let completionTime = old.completionTime;
  let create = 0;
  let del: V1Pod[] = [];
  let requeue: number | undefined;
  let deleteJob = false;
  const minRequeue = (ms: number): void => {
    requeue = requeue === undefined ? ms : Math.min(requeue, ms);
  };

  if (isJobFinished(job)) {
    // finished: only make sure nothing runs on, and honour the TTL
    del = active;
    const ttl = spec?.ttlSecondsAfterFinished;
    const at = finishedAtMs(job);
    if (ttl !== undefined && ttl !== null && at !== undefined) {
      const due = at + ttl * 1000;
      if (due <= nowMs) deleteJob = true;
      else minRequeue(due - nowMs);
    }
  } else if (spec?.suspend === true) {
    del = active;
    if (condTrue(job, 'Suspended') === undefined) {
      conditions = setCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
      events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    }
  } else {
    if (condTrue(job, 'Suspended') !== undefined) {
      conditions = setCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
      events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
      startTime = now; // the deadline counts from the resume
    }
    startTime ??= now;
    const startMs = Date.parse(startTime);
    const parallelism = spec?.parallelism ?? 1;
    const completions = spec?.completions ?? undefined;
    const backoffLimit = spec?.backoffLimit ?? 6;
    const deadline = spec?.activeDeadlineSeconds ?? undefined;
    const fail = (reason: string, message: string): void => {
      conditions = setCondition(conditions, 'FailureTarget', 'True', reason, message, now);
      conditions = setCondition(conditions, 'Failed', 'True', reason, message, now);
      events.push({ type: 'Warning', reason, message });
      del = active;
    };
    const complete = completions !== undefined && completions !== null ? succeeded >= completions : succeeded > 0 && active.length === 0;
    if (failed > backoffLimit || pastBackoffLimitOnFailure(job, active, backoffLimit)) {
      fail('BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    } else if (deadline !== undefined && deadline !== null && Number.isFinite(startMs) && nowMs - startMs >= deadline * 1000) {
      fail('DeadlineExceeded', 'Job was active longer than specified deadline');
    } else if (complete) {
      conditions = setCondition(conditions, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      conditions = setCondition(conditions, 'Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      completionTime = now;
      events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
      del = active;
    } else {
      let want: number;
      if (completions !== undefined && completions !== null) want = Math.min(parallelism, Math.max(0, completions - succeeded));
      else want = succeeded > 0 ? Math.min(active.length, parallelism) : parallelism;
      if (active.length > want) {
        del = [...active].sort(deletionOrder).slice(0, active.length - want);
      } else if (active.length < want) {
        // replace failed pods only after the failure backoff (10 s, 20 s, 40 s, ... since the last failure)
        const lastFailure = failedPods.reduce((m, p) => Math.max(m, finishedMs(p)), 0);
        const delay = failed === 0 ? 0 : Math.min(opts.maxPodFailureBackoffMs, opts.podFailureBackoffMs * 2 ** Math.min(failed - 1, 20));
        const wait = lastFailure === 0 ? 0 : lastFailure + delay - nowMs;
        if (wait > 0) minRequeue(wait);
        else create = want - active.length;
      }
      if (deadline !== undefined && deadline !== null && Number.isFinite(startMs)) minRequeue(Math.max(0, startMs + deadline * 1000 - nowMs));
    }
  }

  const status: V1JobStatus = {
    ...old,
    active: active.length - del.length + create,
    ready: Math.max(0, ready - del.filter(isReady).length),
    succeeded,
    failed,
    conditions,
    ...(startTime === undefined ? {} : { startTime }),
    ...(completionTime === undefined ? {} : { completionTime }),
  };
  if (isJobFinished({ ...job, status })) status.active = active.length - del.length;
  return { create, delete: del, status, newlySucceeded, newlyFailed, events, requeueAfterMs: requeue, deleteJob };
}
