import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskRunner } from './task-runner.js';

const turns = async (n = 10): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

test('tasks of one key run in order; other keys run alongside, never more than the limit', async () => {
  const errors: unknown[] = [];
  const runner = new TaskRunner(2, (e) => errors.push(e));
  const log: string[] = [];
  let active = 0;
  let maxActive = 0;
  const task = (name: string, ms: number) => async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    log.push(`start ${name}`);
    await turns(ms);
    log.push(`end ${name}`);
    active--;
  };
  runner.submit('k', task('k1', 5));
  runner.submit('k', task('k2', 1));
  runner.submit('a', task('a1', 1));
  runner.submit('b', task('b1', 1));
  runner.submit('c', () => Promise.reject(new Error('boom')));
  await runner.idle();
  assert.equal(maxActive, 2);
  assert.ok(log.indexOf('end k1') < log.indexOf('start k2'), 'same key: in order');
  assert.ok(log.indexOf('start a1') < log.indexOf('end k1'), 'other keys run alongside');
  assert.equal(log.filter((l) => l.startsWith('end')).length, 4);
  assert.equal(errors.length, 1);
  assert.equal(runner.pending, 0);
});
