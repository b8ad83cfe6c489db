/**
 * Replays every edge→cloud frame captured from KubeEdge v1.15.4's edgecore (test/fixtures/wire) against
 * a real cloudhub: none is counted bad or refused, and every one that is not a keepalive, an ACK, the
 * shutdown frame or a device-twin request reaches edgecontroller with its resource prefixed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { isJsonObject } from '../../base/index.js';
import { startHubEnv, type HubEnv } from './test-env.js';

const WIRE = path.resolve(import.meta.dirname, '../../../test/fixtures/wire');
const NODE = 'edge-capture';

interface Frame {
  readonly msg: { header: { msg_id: string }; route: { source?: string; operation?: string; resource?: string } };
}

/** Edge-to-cloud frames of every capture file, in file order. */
function edgeFrames(): Frame[] {
  const out: Frame[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (!isJsonObject(v)) return;
    if (typeof v['dir'] === 'string' && v['dir'].startsWith('edge->cloud') && isJsonObject(v['msg'])) {
      out.push(v as unknown as Frame);
      return;
    }
    for (const x of Object.values(v)) visit(x);
  };
  for (const f of readdirSync(WIRE).filter((n) => n.endsWith('.json') && n !== 'timeline.json' && n !== 'upstream-frame-counts.json')) {
    visit(JSON.parse(readFileSync(path.join(WIRE, f), 'utf8')));
  }
  return out;
}

let env: HubEnv;
before(async () => {
  env = await startHubEnv();
});
after(async () => {
  await env.close();
});

test('captured edgecore frames are accepted, none bad or refused', async () => {
  const frames = edgeFrames();
  assert.ok(frames.length > 20, `only ${frames.length} frames found`);
  const edge = await env.dial(NODE);
  const forwardable = frames.filter((f) => {
    const r = f.msg.route;
    return f.msg.header.msg_id !== '' && r.operation !== 'keepalive' && r.operation !== 'response' && r.source !== 'twin';
  });
  for (const f of frames) await edge.send(f.msg);
  const ids = new Set(forwardable.map((f) => f.msg.header.msg_id));
  await env.until(() => env.edgecontroller.filter((m) => ids.has(m.header.msg_id)).length >= forwardable.length, 'forwarded frames');
  for (const m of env.edgecontroller.filter((x) => ids.has(x.header.msg_id))) assert.ok(m.route.resource.startsWith(`node/${NODE}/`), m.route.resource);
  const text = env.metrics.render();
  assert.ok(!/kubeedge_cloudhub_bad_messages_total\{/.test(text), text);
  assert.ok(!/kubeedge_cloudhub_refused_total\{/.test(text), text);
  assert.ok(edge.conn.open);
});
