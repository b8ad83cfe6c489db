import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultServiceAccount, wantsDefaultServiceAccount } from './controller.js';

test('only live namespaces get a default ServiceAccount', () => {
  assert.equal(wantsDefaultServiceAccount({ metadata: { name: 'a' }, status: { phase: 'Active' } }), true);
  assert.equal(wantsDefaultServiceAccount({ metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z' } }), false);
  assert.equal(wantsDefaultServiceAccount({ metadata: { name: 'a' }, status: { phase: 'Terminating' } }), false);
  assert.equal(wantsDefaultServiceAccount(undefined), false);
  assert.deepEqual(defaultServiceAccount('a'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'a' } });
});
