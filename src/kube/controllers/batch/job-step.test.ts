import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Job, V1JobSpec, V1JobStatus, V1Pod } from '../../client/index.js';
import { jobPodFor, selectorPatch } from './controller.js';
import { jobStep, rfc3339, type CountedPods } from './job-step.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const OPTS = { podFailureBackoffMs: 10_000, maxPodFailureBackoffMs: 360_000 };
const none: CountedPods = { succeeded: new Set(), failed: new Set() };

function job(spec: Partial<V1JobSpec> = {}, status: V1JobStatus = {}): V1Job {
  return {
    metadata: { name: 'j', namespace: 'default', uid: 'ju' },
    spec: { parallelism: 2, completions: 3, backoffLimit: 2, template: { spec: { containers: [], restartPolicy: 'Never' } }, ...spec },
    status,
  };
}

let seq = 0;
function pod(phase: string, opts: { finishedAgoMs?: number; ready?: boolean; node?: string } = {}): V1Pod {
  seq++;
  const finishedAt = rfc3339(NOW - (opts.finishedAgoMs ?? 60_000));
  return {
    metadata: { name: `j-${seq}`, uid: `p${seq}`, creationTimestamp: rfc3339(NOW - 100_000 + seq * 1000) },
    spec: { containers: [], ...(opts.node === undefined ? {} : { nodeName: opts.node }) },
    status: {
      phase,
      conditions: opts.ready === true ? [{ type: 'Ready', status: 'True' }] : [],
      containerStatuses: phase === 'Succeeded' || phase === 'Failed' ? [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt } } }] : [],
    },
  };
}

const cond = (s: V1JobStatus, type: string): string | undefined => s.conditions?.find((c) => c.type === type && c.status === 'True')?.reason;

describe('jobStep', () => {
  test('a new Job starts parallelism pods (capped by completions) and gets startTime', () => {
    const s = jobStep(job(), [], none, NOW, OPTS);
    assert.equal(s.create, 2);
    assert.equal(s.status.active, 2);
    assert.equal(s.status.startTime, rfc3339(NOW));
    assert.equal(jobStep(job({ parallelism: 5, completions: 3 }), [], none, NOW, OPTS).create, 3);
  });

  test('keeps at most parallelism active while succeeded < completions', () => {
    const started = { startTime: rfc3339(NOW - 60_000) };
    const s = jobStep(job({}, started), [pod('Succeeded'), pod('Running', { ready: true, node: 'n' })], none, NOW, OPTS);
    assert.equal(s.create, 1, 'one more: 1 succeeded + 1 active + 1 = 3');
    assert.equal(s.status.succeeded, 1);
    assert.equal(s.status.ready, 1);
    assert.deepEqual(s.newlySucceeded.length, 1);
    const last = jobStep(job({}, started), [pod('Succeeded'), pod('Succeeded'), pod('Running')], none, NOW, OPTS);
    assert.equal(last.create, 0, 'only one completion left and one pod is on it');
  });

  test('completes when succeeded reaches completions: SuccessCriteriaMet, Complete, completionTime, Completed event', () => {
    const s = jobStep(job({}, { startTime: rfc3339(NOW - 60_000) }), [pod('Succeeded'), pod('Succeeded'), pod('Succeeded')], none, NOW, OPTS);
    assert.equal(s.create, 0);
    assert.equal(s.status.succeeded, 3);
    assert.equal(cond(s.status, 'SuccessCriteriaMet'), 'CompletionsReached');
    assert.equal(cond(s.status, 'Complete'), 'CompletionsReached');
    assert.equal(s.status.completionTime, rfc3339(NOW));
    assert.deepEqual(s.events.map((e) => e.reason), ['Completed']);
  });

  test('work-queue semantics (completions unset): done once a pod succeeded and none is active', () => {
    const workQueue = (): V1Job => {
      const j = job({}, { startTime: rfc3339(NOW) });
      delete j.spec?.completions;
      return j;
    };
    assert.equal(jobStep(workQueue(), [], none, NOW, OPTS).create, 2, 'parallelism pods to start with');
    const running = jobStep(workQueue(), [pod('Succeeded'), pod('Running')], none, NOW, OPTS);
    assert.equal(running.create, 0);
    assert.equal(cond(running.status, 'Complete'), undefined);
    const done = jobStep(workQueue(), [pod('Succeeded'), pod('Succeeded')], none, NOW, OPTS);
    assert.equal(cond(done.status, 'Complete'), 'CompletionsReached');
  });

  test('failed pods are replaced after the failure backoff, and the Job fails past backoffLimit', () => {
    const started = { startTime: rfc3339(NOW - 60_000) };
    const recent = jobStep(job({ parallelism: 1, completions: 1 }, started), [pod('Failed', { finishedAgoMs: 2_000 })], none, NOW, OPTS);
    assert.equal(recent.create, 0);
    assert.equal(recent.requeueAfterMs, 8_000);
    assert.equal(recent.status.failed, 1);
    const later = jobStep(job({ parallelism: 1, completions: 1 }, started), [pod('Failed', { finishedAgoMs: 20_000 })], none, NOW, OPTS);
    assert.equal(later.create, 1);
    const over = jobStep(job({ parallelism: 1, completions: 1 }, started), [pod('Failed'), pod('Failed'), pod('Failed')], none, NOW, OPTS);
    assert.equal(over.create, 0);
    assert.equal(cond(over.status, 'Failed'), 'BackoffLimitExceeded');
    assert.equal(cond(over.status, 'FailureTarget'), 'BackoffLimitExceeded');
    assert.deepEqual(over.events.map((e) => [e.type, e.reason]), [['Warning', 'BackoffLimitExceeded']]);
  });

  test('restartPolicy OnFailure: container restarts count against backoffLimit', () => {
    const restarting = (n: number): V1Pod => ({
      ...pod('Running'),
      status: { phase: 'Running', containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: n }] },
    });
    const onFailure = (): V1Job => {
      const j = job({ backoffLimit: 2 }, { startTime: rfc3339(NOW) });
      if (j.spec?.template.spec !== undefined) j.spec.template.spec.restartPolicy = 'OnFailure';
      return j;
    };
    assert.equal(cond(jobStep(onFailure(), [restarting(1)], none, NOW, OPTS).status, 'Failed'), undefined);
    assert.equal(cond(jobStep(onFailure(), [restarting(1), restarting(1)], none, NOW, OPTS).status, 'Failed'), 'BackoffLimitExceeded');
  });

  test('failing deletes the active pods', () => {
    const active = pod('Running');
    const s = jobStep(job({ backoffLimit: 0 }, { startTime: rfc3339(NOW - 1000) }), [pod('Failed'), active], none, NOW, OPTS);
    assert.deepEqual(s.delete, [active]);
    assert.equal(s.status.active, 0);
  });

  test('activeDeadlineSeconds: fails with DeadlineExceeded, and is scheduled before it', () => {
    const early = jobStep(job({ activeDeadlineSeconds: 60 }, { startTime: rfc3339(NOW - 30_000) }), [pod('Running'), pod('Running')], none, NOW, OPTS);
    assert.equal(early.requeueAfterMs, 30_000);
    const late = jobStep(job({ activeDeadlineSeconds: 60 }, { startTime: rfc3339(NOW - 61_000) }), [pod('Running')], none, NOW, OPTS);
    assert.equal(cond(late.status, 'Failed'), 'DeadlineExceeded');
    assert.equal(late.delete.length, 1);
  });

  test('counts never go down: pods seen before stay counted when deleted, status wins over a shorter memory', () => {
    const counted = { succeeded: new Set(['gone1', 'gone2']), failed: new Set<string>() };
    const s = jobStep(job({}, { startTime: rfc3339(NOW), succeeded: 2 }), [pod('Succeeded')], counted, NOW, OPTS);
    assert.equal(s.status.succeeded, 3);
    const restarted = jobStep(job({}, { startTime: rfc3339(NOW), succeeded: 2 }), [pod('Succeeded'), pod('Succeeded')], none, NOW, OPTS);
    assert.equal(restarted.status.succeeded, 2, 'after a restart the pods present are the ones in status');
  });

  test('suspend deletes active pods and sets Suspended; resume resets startTime', () => {
    const active = pod('Running');
    const s = jobStep(job({ suspend: true }, { startTime: rfc3339(NOW - 5000) }), [active], none, NOW, OPTS);
    assert.deepEqual(s.delete, [active]);
    assert.equal(s.create, 0);
    assert.equal(cond(s.status, 'Suspended'), 'JobSuspended');
    const resumed = jobStep(job({ suspend: false }, s.status), [], none, NOW + 1000, OPTS);
    assert.equal(resumed.create, 2);
    assert.equal(resumed.status.startTime, rfc3339(NOW + 1000));
    assert.equal(resumed.status.conditions?.find((c) => c.type === 'Suspended')?.status, 'False');
  });

  test('parallelism lowered: the surplus goes, unbound and unready pods first', () => {
    const ready = pod('Running', { ready: true, node: 'n' });
    const pending = pod('Pending');
    const s = jobStep(job({ parallelism: 1, completions: 5 }, { startTime: rfc3339(NOW) }), [ready, pending], none, NOW, OPTS);
    assert.deepEqual(s.delete, [pending]);
  });

  test('ttlSecondsAfterFinished: waits, then deletes the finished Job', () => {
    const finished: V1JobStatus = { completionTime: rfc3339(NOW - 5000), conditions: [{ type: 'Complete', status: 'True' }] };
    const wait = jobStep(job({ ttlSecondsAfterFinished: 10 }, finished), [], none, NOW, OPTS);
    assert.equal(wait.deleteJob, false);
    assert.equal(wait.requeueAfterMs, 5000);
    assert.equal(jobStep(job({ ttlSecondsAfterFinished: 10 }, finished), [], none, NOW + 5000, OPTS).deleteJob, true);
    assert.equal(jobStep(job({}, finished), [], none, NOW + 1e9, OPTS).deleteJob, false, 'no TTL: kept');
  });
});

describe('job pods and selector', () => {
  test('a Job without a selector gets the controller-uid selector and template labels', () => {
    assert.deepEqual(selectorPatch(job()), {
      spec: {
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'ju' } },
        template: {
          metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'ju', 'controller-uid': 'ju', 'batch.kubernetes.io/job-name': 'j', 'job-name': 'j' } },
        },
      },
    });
    assert.equal(selectorPatch(job({ manualSelector: true })), undefined);
    assert.equal(selectorPatch(job({ selector: { matchLabels: { a: 'b' } } })), undefined);
  });

  test('pods are named <job>- and owned by the Job', () => {
    const p = jobPodFor(job());
    assert.equal(p.metadata?.generateName, 'j-');
    assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'ju', controller: true, blockOwnerDeletion: true }]);
  });
});
