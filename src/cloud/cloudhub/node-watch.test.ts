import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESOURCES } from '../../kube/client/index.js';
import { EDGE_NODE_LABEL } from '../common/index.js';
import { startApiServerEnv, until } from '../common/test-env.js';
import { watchEdgeNodes } from './node-watch.js';

test('a node that loses the edge label or is deleted is reported removed and gone', async () => {
  const env = await startApiServerEnv('ke-nodewatch-');
  try {
    await env.client.create(RESOURCES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'e1', labels: { [EDGE_NODE_LABEL]: '' } } });
    await env.client.create(RESOURCES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'e2', labels: { [EDGE_NODE_LABEL]: '' } } });
    const removed: string[] = [];
    const watch = watchEdgeNodes(env.informers, (n) => removed.push(n));
    assert.equal(watch.gone('e1'), false, 'nothing is gone before the cache synced');
    env.informers.start(env.signal);
    await until(() => env.informers.informer(RESOURCES.nodes).get(undefined, 'e2') !== undefined, 'the cache');
    await until(() => watch.gone('nobody'), 'synced');
    assert.equal(watch.gone('e1'), false);
    await env.client.patch(RESOURCES.nodes, undefined, 'e1', { metadata: { labels: { [EDGE_NODE_LABEL]: null } } }, { type: 'merge' });
    await until(() => removed.includes('e1'), 'e1 lost the label');
    assert.equal(watch.gone('e1'), true);
    await env.client.delete(RESOURCES.nodes, undefined, 'e2');
    await until(() => removed.includes('e2'), 'e2 deleted');
    assert.equal(watch.gone('e2'), true);
    watch.stop();
  } finally {
    await env.close();
  }
});
