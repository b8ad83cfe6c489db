import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isKeError } from '../base/index.js';
import { startOrder } from './order.js';

const m = (name: string, ...dependsOn: string[]): { name: string; dependsOn: string[] } => ({ name, dependsOn });

describe('startOrder', () => {
  it('puts dependencies first and keeps listed order otherwise', () => {
    const order = startOrder([m('edged', 'metamanager'), m('edgehub'), m('metamanager', 'edgehub'), m('eventbus')]).map((x) => x.name);
    assert.deepEqual(order, ['edgehub', 'metamanager', 'edged', 'eventbus']);
  });

  it('detects a cycle with KE_BEEHIVE_CYCLE', () => {
    assert.throws(
      () => startOrder([m('a', 'b'), m('b', 'c'), m('c', 'a')]),
      (e: unknown) => isKeError(e, 'KE_BEEHIVE_CYCLE') && JSON.stringify(e.details?.['cycle']) === JSON.stringify(['a', 'b', 'c', 'a']),
    );
    assert.throws(() => startOrder([m('self', 'self')]), (e: unknown) => isKeError(e, 'KE_BEEHIVE_CYCLE'));
  });

  it('refuses unknown dependencies and duplicate names', () => {
    assert.throws(() => startOrder([m('a', 'ghost')]), (e: unknown) => isKeError(e, 'KE_BEEHIVE_UNKNOWN_DEPENDENCY'));
    assert.throws(() => startOrder([m('a'), m('a')]), (e: unknown) => isKeError(e, 'KE_BEEHIVE_DUPLICATE_MODULE'));
  });
});
