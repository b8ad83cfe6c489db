import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessage } from '../../api/index.js';
import { checkUpgrade } from './upgrade-check.js';
import { checkUpstream } from './upstream-check.js';

const frame = (operation: string, resource: string, source = 'edged', group = 'meta'): string => JSON.stringify(newMessage({ source, group, operation, resource, content: null }));
const check = (data: string): string => {
  const v = checkUpstream(data, 'n1', { maxBytes: 1024, authorize: true });
  return v.kind === 'bad' || v.kind === 'refused' ? `${v.kind}:${v.reason}` : v.kind === 'forward' ? `forward:${v.msg.route.resource}` : v.kind;
};

test('upstream verdicts', () => {
  assert.equal(check(frame('insert', 'kube-node-lease/lease/n1')), 'forward:node/n1/kube-node-lease/lease/n1');
  assert.equal(check(frame('update', 'kube-node-lease/lease/n2')), 'refused:other-lease');
  assert.equal(check(frame('update', 'default/lease/n1')), 'refused:other-lease');
  assert.equal(check(frame('query', 'default/node/n2')), 'refused:other-node');
  assert.equal(check(frame('query', 'default/node')), 'refused:other-node');
  assert.equal(check(frame('patch', 'default/nodestatus/n2')), 'refused:other-node');
  assert.equal(check(frame('query', 'default/pod/anything')), 'forward:node/n1/default/pod/anything');
  assert.equal(check(frame('query', 'k8s/ca.crt', 'edged', 'meta')), 'forward:node/n1/k8s/ca.crt');
  assert.equal(check(frame('get', 'membership/detail', 'twin', 'resource')), 'ignored');
  assert.equal(check(frame('keepalive', 'node', 'websocket', 'resource')), 'keepalive');
  assert.equal(check(frame('response', 'default/pod/x', 'edgecontroller', 'resource')), 'response');
  assert.equal(check(frame('error', 'default/pod/x', 'edgecontroller', 'resource')), 'error');
  assert.equal(check(frame('bogus', 'default/pod/x')), 'bad:unknown-operation');
  assert.equal(check(frame('query', 'default//x')), 'bad:bad-resource');
  assert.equal(check('{"header":{"msg_id":"","timestamp":0},"route":{},"content":null}'), 'shutdown');
  assert.equal(check('[1,2]'), 'bad:malformed');
  assert.equal(check('x'.repeat(2000)), 'bad:oversized');
  assert.equal(checkUpstream(new Uint8Array([123]), 'n1', { maxBytes: 10, authorize: true }).kind, 'bad');
  // authorization off: structural checks are skipped, the prefix still pins the node
  const v = checkUpstream(frame('query', 'default/node/n2'), 'n1', { maxBytes: 1024, authorize: false });
  assert.equal(v.kind === 'forward' ? v.msg.route.resource : v.kind, 'node/n1/default/node/n2');
});

test('upgrade checks', () => {
  const info = (cn: string, headers: Record<string, string>, path = '/p/n1/events') => ({ remote: 'r', path, headers, peerCommonName: cn });
  const limits = { connected: (n: string) => n === 'n1', sessions: 1, nodeLimit: 1 };
  const reason = (c: ReturnType<typeof checkUpgrade>): string => (c.ok ? `ok:${c.node}` : `${c.status}:${c.reason}`);
  assert.equal(reason(checkUpgrade(info('system:node:n1', { node_id: 'n1' }), limits)), 'ok:n1');
  assert.equal(reason(checkUpgrade(info('system:node:n1', { node_id: 'n1' }, '/'), limits)), 'ok:n1');
  assert.equal(reason(checkUpgrade(info('system:node:n2', { node_id: 'n2' }, '/p/n2/events'), limits)), '503:node-limit');
  assert.equal(reason(checkUpgrade(info('kubeedge.io', { node_id: 'n1' }), limits)), '403:bad-certificate');
  assert.equal(reason(checkUpgrade(info('system:node:N/1', { node_id: 'N/1' }), limits)), '403:bad-certificate');
  assert.equal(reason(checkUpgrade(info('system:node:n1', {}), limits)), '403:missing-node-id');
  assert.equal(reason(checkUpgrade(info('system:node:n1', { node_id: 'n2' }), limits)), '403:node-id-mismatch');
  assert.equal(reason(checkUpgrade(info('system:node:n1', { node_id: 'n1' }, '/p/n2/events'), limits)), '403:path-mismatch');
  assert.equal(reason(checkUpgrade(info('system:node:n1', { node_id: 'n1' }, '/p/%E0%A4%A/events'), limits)), '403:path-mismatch');
});
