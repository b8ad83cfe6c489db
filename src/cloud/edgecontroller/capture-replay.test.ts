/**
 * Replays the node, lease and node-status frames a real KubeEdge v1.15.4 edgecore sent
 * (test/fixtures/wire) against edgecontroller and the embedded API server, and checks every reply
 * has the shape edgecore got from the capture's cloud: ObjectResp vs plain object vs bare
 * ErrStatus, Err set or null, the same resource, and header.resourceversion where it had one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { decodeMessage, toCloudResource, type KubeEdgeMessage } from '../../api/index.js';
import { isJsonArray, isJsonObject } from '../../base/index.js';
import { createEdgeControllerModule } from './module.js';
import { startTestEnv, type TestEnv } from './test-env.js';

const WIRE = path.resolve(import.meta.dirname, '../../../test/fixtures/wire');
const NODE = 'edge-capture';
let env: TestEnv;

interface Frame {
  readonly dir: string;
  readonly msg: unknown;
}

function chains(file: string): Frame[][] {
  const doc: unknown = JSON.parse(readFileSync(path.join(WIRE, file), 'utf8'));
  assert.ok(isJsonObject(doc) && isJsonArray(doc['exchanges']));
  return doc['exchanges'] as unknown as Frame[][];
}

function shape(content: unknown): string {
  if (!isJsonObject(content)) return typeof content;
  if ('Object' in content || 'Err' in content) return `ObjectResp(Object ${content['Object'] === null ? 'null' : 'set'}, Err ${content['Err'] === null ? 'null' : 'set'})`;
  if ('ErrStatus' in content) return `ErrStatus(${isJsonObject(content['ErrStatus']) ? String(content['ErrStatus']['code']) : '?'})`;
  return `object(${String(content['kind'] ?? '')})`;
}

async function replay(frames: Frame[]): Promise<void> {
  const [req, expected] = frames;
  assert.ok(req !== undefined && expected !== undefined && req.dir.startsWith('edge->cloud'));
  const edgeMsg = decodeMessage(req.msg);
  const msg: KubeEdgeMessage = { ...edgeMsg, route: { ...edgeMsg.route, resource: toCloudResource(NODE, edgeMsg.route.resource) } };
  const want = decodeMessage(expected.msg);
  env.send('edgecontroller', msg);
  let got: KubeEdgeMessage | undefined;
  await env.until(() => (got = env.hub.find((m) => m.header.parent_msg_id === msg.header.msg_id)) !== undefined, `reply to ${edgeMsg.route.operation} ${edgeMsg.route.resource}`);
  const reply = got as KubeEdgeMessage;
  const what = `${edgeMsg.route.operation} ${edgeMsg.route.resource}`;
  assert.equal(reply.route.operation, 'response', what);
  assert.equal(reply.route.source, want.route.source, what);
  assert.equal(reply.route.group, want.route.group, what);
  assert.equal(reply.route.resource, toCloudResource(NODE, want.route.resource), what);
  assert.equal(shape(reply.content), shape(want.content), what);
  assert.equal(reply.header.resourceversion !== undefined, want.header.resourceversion !== undefined, `${what}: header.resourceversion`);
}

before(async () => {
  env = await startTestEnv((deps) => [createEdgeControllerModule({ nodeUpdateFrequency: 10 }, deps)]);
});

after(async () => {
  await env.close();
});

test('captured node query, registration, lease and node-status frames get the replies edgecore expects', async () => {
  const nodeQueries = chains('node-query.json');
  await replay(nodeQueries[0] ?? []); // before registration: NotFound
  for (const c of chains('node-register.json')) await replay(c);
  await replay(nodeQueries[1] ?? []); // after: the Node
  for (const c of chains('lease.json')) await replay(c);
  for (const c of chains('nodestatus-patch.json')) await replay(c);
});
