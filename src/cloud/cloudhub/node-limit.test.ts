import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isKeError } from '../../base/index.js';
import { TransportErrorCode } from '../../platform/transport/index.js';
import { startHubEnv, type HubEnv } from './test-env.js';

let env: HubEnv;
before(async () => {
  env = await startHubEnv({ nodeLimit: 1 });
});
after(async () => {
  await env.close();
});

test('beyond nodeLimit new nodes get 503; the connected node may still reconnect', async () => {
  const first = await env.dial('edge-a');
  await env.until(() => env.hub.sessionCount() === 1, 'one session');
  await assert.rejects(env.dial('edge-b'), (e) => isKeError(e, TransportErrorCode.Refused) && e.details?.['status'] === 503);
  const again = await env.dial('edge-a');
  await env.until(() => first.closed !== undefined, 'older session closed');
  assert.ok(again.conn.open);
  assert.equal(env.hub.sessionCount(), 1);
});
