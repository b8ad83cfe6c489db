import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeMessage, responseTo } from '../../api/index.js';
import { dir, lastConn, setupHubTestEnv, startEdge, teardownHubTestEnv, upMsg, waitFor } from './test-env.js';

before(setupHubTestEnv);
after(teardownHubTestEnv);

describe('edgehub survives store failures', { timeout: 60_000 }, () => {
  test('an SQLite error while settling a reply from the cloud is logged and counted; the link stays', async () => {
    const edge = await startEdge(join(dir, 'settle-error.db'));
    try {
      await waitFor('connection', () => edge.hub.connected());
      const c = lastConn();
      const report = upMsg('patch', 'default/podpatch/web', '{"status":{"phase":"Running"}}');
      edge.meta.ctx().send('websocket', report);
      await waitFor('report sent', () => c.frames.some((f) => f.header.msg_id === report.header.msg_id));
      edge.db.close();
      await c.conn.send(encodeMessage(responseTo(report, { Object: {}, Err: null }, { source: 'edgecontroller' })));
      const errors = (site: string): number => edge.metrics.counter('kubeedge_edgehub_errors_total', '').get({ site });
      await waitFor('error counted', () => errors('settle') === 1);
      assert.equal(edge.hub.connected(), true);
      assert.equal(c.conn.open, true);
      // A report the store cannot take is counted too, and the module keeps reading its inbox.
      edge.meta.ctx().send('websocket', upMsg('patch', 'default/podpatch/db', '{"status":{}}'));
      await waitFor('upstream error counted', () => errors('upstream') === 1);
      assert.equal(edge.hub.connected(), true);
    } finally {
      await edge.stop();
    }
  });
});
