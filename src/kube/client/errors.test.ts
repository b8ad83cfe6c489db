import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isKeError } from '../../base/index.js';
import { abortedError, errorFromStatus, isAlreadyExists, isConflict, isGone, isInvalid, isNotFound, isResourceVersionTooLarge, isRetryable, KubeApiError, timeoutError, transportError } from './errors.js';

const status = (code: number, reason: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message: `m ${reason}`,
  reason,
  code,
  ...extra,
});

describe('errorFromStatus', () => {
  test('codes follow the Status reason', () => {
    const cases: [number, string, string][] = [
      [404, 'NotFound', 'KE_KUBE_NOTFOUND'],
      [409, 'Conflict', 'KE_KUBE_CONFLICT'],
      [409, 'AlreadyExists', 'KE_KUBE_ALREADYEXISTS'],
      [410, 'Expired', 'KE_KUBE_EXPIRED'],
      [410, 'Gone', 'KE_KUBE_GONE'],
      [422, 'Invalid', 'KE_KUBE_INVALID'],
      [400, 'BadRequest', 'KE_KUBE_BADREQUEST'],
      [415, 'UnsupportedMediaType', 'KE_KUBE_UNSUPPORTEDMEDIATYPE'],
    ];
    for (const [code, reason, expected] of cases) {
      const err = errorFromStatus(code, status(code, reason));
      assert.ok(err instanceof KubeApiError);
      assert.ok(isKeError(err, expected), `${reason} -> ${err.code}`);
      assert.equal(err.status, code);
      assert.equal(err.reason, reason);
    }
  });

  test('without a Status body the HTTP code decides', () => {
    assert.equal(errorFromStatus(404, 'page not found').code, 'KE_KUBE_NOTFOUND');
    assert.equal(errorFromStatus(503, undefined).code, 'KE_KUBE_SERVICEUNAVAILABLE');
    assert.equal(errorFromStatus(418, undefined).code, 'KE_KUBE_UNKNOWN');
  });

  test('a watch ERROR Status carries its own code (HTTP 200 stream)', () => {
    const err = errorFromStatus(200, status(410, 'Expired'));
    assert.equal(err.status, 410);
    assert.ok(isGone(err));
  });

  test('causes and retryAfterSeconds are kept', () => {
    const err = errorFromStatus(
      422,
      status(422, 'Invalid', { details: { causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }, 'junk'], retryAfterSeconds: 3 } }),
    );
    assert.deepEqual(err.causes, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }]);
    assert.equal(err.retryAfterSeconds, 3);
    assert.ok(isInvalid(err));
  });
});

describe('predicates', () => {
  test('each matches only its reason', () => {
    const nf = errorFromStatus(404, status(404, 'NotFound'));
    const conflict = errorFromStatus(409, status(409, 'Conflict'));
    const exists = errorFromStatus(409, status(409, 'AlreadyExists'));
    const expired = errorFromStatus(410, status(410, 'Expired'));
    assert.deepEqual([isNotFound(nf), isNotFound(conflict), isNotFound(new Error('x'))], [true, false, false]);
    assert.deepEqual([isConflict(conflict), isConflict(exists)], [true, false]);
    assert.deepEqual([isAlreadyExists(exists), isAlreadyExists(conflict)], [true, false]);
    assert.deepEqual([isGone(expired), isGone(nf)], [true, false]);
    const tooLarge = errorFromStatus(504, status(504, 'Timeout', { details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] } }));
    assert.deepEqual([isResourceVersionTooLarge(tooLarge), isResourceVersionTooLarge(errorFromStatus(504, status(504, 'Timeout')))], [true, false]);
  });

  test('transport failures have their own codes and are retryable', () => {
    const t = transportError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'GET /api');
    assert.equal(t.code, 'KE_KUBE_UNAVAILABLE');
    assert.equal(t.status, 0);
    assert.ok(isRetryable(t));
    assert.equal(timeoutError('GET /api', 5).code, 'KE_KUBE_TIMEOUT');
    assert.ok(isRetryable(timeoutError('GET /api', 5)));
    assert.equal(abortedError('GET /api', undefined).code, 'KE_KUBE_ABORTED');
    assert.ok(!isRetryable(abortedError('GET /api', undefined)));
    assert.ok(isRetryable(errorFromStatus(429, status(429, 'TooManyRequests'))));
    assert.ok(!isRetryable(errorFromStatus(409, status(409, 'Conflict'))));
    assert.equal(transportError(t, 'again'), t, 'an error of ours is passed through');
  });
});
