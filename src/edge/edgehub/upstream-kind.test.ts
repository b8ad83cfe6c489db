import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessage } from '../../api/index.js';
import { durableKey } from './upstream-kind.js';

const msg = (operation: string, resource: string) => newMessage({ source: 'edged', group: 'meta', operation, resource, content: '{}' });

test('status reports are durable, keyed by their resource', () => {
  assert.equal(durableKey(msg('patch', 'default/podpatch/web-1')), 'default/podpatch/web-1');
  assert.equal(durableKey(msg('patch', 'default/nodepatch/edge-1')), 'default/nodepatch/edge-1');
  assert.equal(durableKey(msg('update', 'default/podstatus/web-1')), 'default/podstatus/web-1');
});

test('everything else is not', () => {
  assert.equal(durableKey(msg('update', 'default/podpatch/web-1')), undefined);
  assert.equal(durableKey(msg('patch', 'default/pod/web-1')), undefined);
  assert.equal(durableKey(msg('insert', 'default/node/edge-1')), undefined);
  assert.equal(durableKey(msg('keepalive', 'node')), undefined);
  assert.equal(durableKey(msg('update', 'kube-node-lease/lease/edge-1')), undefined);
  assert.equal(durableKey(msg('patch', 'membership/detail')), undefined);
});
