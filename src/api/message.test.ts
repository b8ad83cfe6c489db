import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isKeError, isJsonObject } from '../base/index.js';
import {
  Operation,
  ackFor,
  isKnownOperation,
  contentBytes,
  contentJson,
  contentText,
  decodeBase64,
  decodeMessage,
  encodeBase64,
  encodeMessage,
  newMessage,
  parseFrame,
  responseTo,
  tryDecodeMessage,
  type KubeEdgeMessage,
} from './message.js';
import { parseResource } from './resource.js';

const WIRE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/wire');

interface CapturedFrame {
  file: string;
  dir: string;
  frameBytes: number;
  msg: unknown;
}

/** Every `{ dir, frame_bytes, msg }` in the golden fixtures (timeline.json holds no messages). */
function loadFrames(): CapturedFrame[] {
  const out: CapturedFrame[] = [];
  const walk = (v: unknown, file: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, file);
      return;
    }
    if (!isJsonObject(v)) return;
    const { dir, frame_bytes: frameBytes, msg } = v;
    if (typeof dir === 'string' && typeof frameBytes === 'number' && msg !== undefined) {
      out.push({ file, dir, frameBytes, msg });
      return;
    }
    for (const x of Object.values(v)) walk(x, file);
  };
  for (const file of readdirSync(WIRE_DIR).filter((f) => f.endsWith('.json')).sort()) {
    walk(JSON.parse(readFileSync(path.join(WIRE_DIR, file), 'utf8')), file);
  }
  return out;
}

const frames = loadFrames();
const upstream = frames.filter((f) => f.dir.startsWith('edge->cloud'));
const downstream = frames.filter((f) => f.dir.startsWith('cloud->edge'));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isKeError(err) ? err.code : 'not-a-KeError';
  }
  return undefined;
}

describe('golden wire frames (KubeEdge v1.15.4 edgecore)', () => {
  it('has the captured frames', () => {
    assert.ok(upstream.length >= 40, `only ${upstream.length} edge->cloud frames`);
    assert.ok(downstream.length >= 20);
  });

  it('decodes every edge->cloud frame', () => {
    for (const f of upstream) {
      const r = tryDecodeMessage(f.msg);
      assert.ok(r.ok, `${f.file}: ${r.ok ? '' : r.error.message}`);
    }
  });

  it('decodes every cloud->edge frame', () => {
    for (const f of downstream) assert.ok(tryDecodeMessage(f.msg).ok, f.file);
  });

  it('re-encodes every frame to the same JSON, byte for byte (edge frames carry Go’s trailing newline)', () => {
    for (const f of frames) {
      const encoded = encodeMessage(decodeMessage(f.msg));
      assert.equal(encoded, JSON.stringify(f.msg), f.file);
      const bytes = new TextEncoder().encode(encoded).byteLength;
      const expected = f.dir.startsWith('edge->cloud') ? f.frameBytes - 1 : f.frameBytes;
      assert.equal(bytes, expected, `${f.file}: frame size`);
    }
  });

  it('parses every edge->cloud frame from its wire text, with the trailing newline', () => {
    for (const f of upstream) {
      const wire = new TextEncoder().encode(JSON.stringify(f.msg) + '\n');
      assert.equal(wire.byteLength, f.frameBytes, f.file);
      assert.deepEqual(parseFrame(wire), decodeMessage(f.msg));
    }
  });

  it('keeps KubeEdge field names and order', () => {
    const reply = downstream.find((f) => f.file === 'configmap-query.json');
    assert.ok(reply);
    const text = encodeMessage(decodeMessage(reply.msg));
    assert.match(text, /^\{"header":\{"msg_id":"[^"]+","parent_msg_id":"[^"]+","timestamp":\d+,"resourceversion":"1018"\},"route":\{"source":"edgecontroller","group":"resource","operation":"response","resource":"default\/configmap\/capture-cm"\},"content":\{/);
  });

  it('decodes the shutdown zero-value frame (empty route, null content)', () => {
    const f = upstream.find((x) => x.file === 'shutdown.json');
    assert.ok(f);
    const m = decodeMessage(f.msg);
    assert.deepEqual(m, { header: { msg_id: '', timestamp: 0 }, route: { source: '', group: '', operation: '', resource: '' }, content: null });
    assert.equal(encodeMessage(m), '{"header":{"msg_id":"","timestamp":0},"route":{},"content":null}');
  });

  it('reads patch and membership string contents as JSON', () => {
    for (const f of upstream) {
      const m = decodeMessage(f.msg);
      if (m.route.operation === Operation.Patch || m.route.resource === 'membership/detail') {
        assert.ok(isJsonObject(contentJson(m)), f.file);
      }
    }
  });

  it('every non-empty edge->cloud resource parses', () => {
    for (const f of upstream) {
      const m = decodeMessage(f.msg);
      if (m.route.resource !== '') assert.doesNotThrow(() => parseResource(m.route.resource), `${f.file}: ${m.route.resource}`);
    }
  });
});

describe('timeline of all three capture runs', () => {
  it('every edge->cloud frame has a known operation and a parseable resource', () => {
    const timeline: unknown = JSON.parse(readFileSync(path.join(WIRE_DIR, 'timeline.json'), 'utf8'));
    const rows = isJsonObject(timeline) && Array.isArray(timeline['frames']) ? timeline['frames'] : [];
    let seen = 0;
    for (const row of rows) {
      if (!isJsonObject(row) || row['dir'] !== 'edge->cloud') continue;
      const { operation, resource } = row;
      if (operation === undefined && resource === undefined) continue; // the shutdown zero-value frame
      assert.equal(typeof operation, 'string');
      assert.equal(typeof resource, 'string');
      assert.ok(isKnownOperation(String(operation)), String(operation));
      assert.doesNotThrow(() => parseResource(String(resource)), String(resource));
      seen++;
    }
    assert.ok(seen > 100, `only ${seen} frames`);
  });
});

describe('decodeMessage rejects malformed frames with KE_WIRE_MALFORMED', () => {
  const good = { header: { msg_id: 'a', timestamp: 1 }, route: { source: 's', group: 'g', operation: 'query', resource: 'default/pod/p' }, content: null };
  const cases: Array<[string, unknown]> = [
    ['non-object (string)', 'hello'],
    ['non-object (array)', [good]],
    ['null', null],
    ['missing route', { header: good.header, content: null }],
    ['missing header', { route: good.route, content: null }],
    ['route not an object', { ...good, route: 'x' }],
    ['header not an object', { ...good, header: [] }],
    ['missing msg_id', { ...good, header: { timestamp: 1 } }],
    ['msg_id a number', { ...good, header: { msg_id: 1, timestamp: 1 } }],
    ['timestamp a string', { ...good, header: { msg_id: 'a', timestamp: '1' } }],
    ['timestamp fractional', { ...good, header: { msg_id: 'a', timestamp: 1.5 } }],
    ['missing timestamp', { ...good, header: { msg_id: 'a' } }],
    ['sync not boolean', { ...good, header: { ...good.header, sync: 'true' } }],
    ['parent_msg_id not string', { ...good, header: { ...good.header, parent_msg_id: 5 } }],
    ['resourceversion a number', { ...good, header: { ...good.header, resourceversion: 1018 } }],
    ['operation not string', { ...good, route: { ...good.route, operation: 3 } }],
    ['resource an object', { ...good, route: { ...good.route, resource: {} } }],
  ];
  for (const [name, input] of cases) {
    it(name, () => {
      assert.equal(codeOf(() => decodeMessage(input)), 'KE_WIRE_MALFORMED');
      const r = tryDecodeMessage(input);
      assert.equal(r.ok, false);
    });
  }

  it('names the field in details', () => {
    const r = tryDecodeMessage({ header: { msg_id: 'a', timestamp: 1 }, content: null });
    assert.ok(!r.ok);
    assert.equal(r.error.details?.['field'], 'route');
  });

  it('rejects non-JSON and non-UTF-8 frames, and oversized ones', () => {
    assert.equal(codeOf(() => parseFrame('{"header":')), 'KE_WIRE_MALFORMED');
    assert.equal(codeOf(() => parseFrame(new Uint8Array([0xff, 0xfe]))), 'KE_WIRE_MALFORMED');
    assert.equal(codeOf(() => parseFrame(JSON.stringify(good), { maxBytes: 10 })), 'KE_WIRE_OVERSIZED');
  });
});

describe('decodeMessage tolerance (as Go encoding/json)', () => {
  it('matches field names case-insensitively, last key wins', () => {
    const m = decodeMessage({
      Header: { MSG_ID: 'x', Msg_Id: 'y', TimeStamp: 5, ResourceVersion: '7', Sync: true },
      ROUTE: { Source: 'edged', Group: 'meta', Operation: 'query', Resource: 'default/pod/p' },
      Content: { a: 1 },
    });
    assert.deepEqual(m, {
      header: { msg_id: 'y', timestamp: 5, resourceversion: '7', sync: true },
      route: { source: 'edged', group: 'meta', operation: 'query', resource: 'default/pod/p' },
      content: { a: 1 },
    });
  });

  it('treats null and empty optional fields as absent, ignores unknown fields, missing content is null', () => {
    const m = decodeMessage({ header: { msg_id: 'a', timestamp: 1, parent_msg_id: null, resourceversion: '', sync: false, extra: 1 }, route: { source: null }, more: true });
    assert.deepEqual(m, { header: { msg_id: 'a', timestamp: 1 }, route: { source: '', group: '', operation: '', resource: '' }, content: null });
  });

  it('reads base64 ([]byte) content, JSON-string content and object content alike', () => {
    const obj = { status: { phase: 'Running' } };
    const asObject = decodeMessage({ header: { msg_id: 'a', timestamp: 1 }, route: {}, content: obj });
    const asString = decodeMessage({ header: { msg_id: 'a', timestamp: 1 }, route: {}, content: JSON.stringify(obj) });
    const asB64 = decodeMessage({ header: { msg_id: 'a', timestamp: 1 }, route: {}, content: encodeBase64(new TextEncoder().encode(JSON.stringify(obj))) });
    assert.deepEqual(contentJson(asObject), obj);
    assert.deepEqual(contentJson(asString), obj);
    assert.deepEqual(contentJson(asB64), obj);
    assert.equal(contentText(asString), JSON.stringify(obj));
    assert.equal(contentText(asObject), JSON.stringify(obj));
    assert.deepEqual(new TextDecoder().decode(contentBytes(asB64, { base64: true })), JSON.stringify(obj));
    const ping = decodeMessage({ header: { msg_id: 'a', timestamp: 1 }, route: {}, content: 'ping' });
    assert.equal(codeOf(() => contentJson(ping)), 'KE_WIRE_MALFORMED');
  });

  it('base64 round-trips and rejects invalid input', () => {
    for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'hello world!']) {
      const bytes = new TextEncoder().encode(s);
      const enc = encodeBase64(bytes);
      assert.equal(enc, Buffer.from(s).toString('base64'));
      assert.deepEqual(decodeBase64(enc), bytes);
    }
    assert.equal(decodeBase64('abc'), undefined);
    assert.equal(decodeBase64('ab$='), undefined);
    assert.equal(decodeBase64('OK'), undefined);
  });
});

describe('newMessage / responseTo / ackFor', () => {
  const deps = { now: () => 1234, newId: () => 'id-1' };

  it('builds a message with KubeEdge names', () => {
    const m = newMessage({ source: 'edgecontroller', group: 'resource', operation: Operation.Insert, resource: 'default/pod/p', content: { a: 1 }, resourceVersion: '9' }, deps);
    assert.equal(
      encodeMessage(m),
      '{"header":{"msg_id":"id-1","timestamp":1234,"resourceversion":"9"},"route":{"source":"edgecontroller","group":"resource","operation":"insert","resource":"default/pod/p"},"content":{"a":1}}',
    );
  });

  it('generates uuid ids and ms timestamps by default', () => {
    const before = Date.now();
    const m = newMessage({ source: 's', group: 'g', operation: 'query', resource: 'r', content: null });
    assert.match(m.header.msg_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(m.header.timestamp >= before && m.header.timestamp <= Date.now());
  });

  it('responseTo sets parent_msg_id and op response, keeps source/group/resource', () => {
    const req: KubeEdgeMessage = { header: { msg_id: 'req-1', timestamp: 1 }, route: { source: 'edged', group: 'meta', operation: 'query', resource: 'default/configmap/c' }, content: null };
    const r = responseTo(req, { kind: 'ConfigMap' }, { ...deps, source: 'edgecontroller', group: 'resource', resourceVersion: '5' });
    assert.deepEqual(r, {
      header: { msg_id: 'id-1', parent_msg_id: 'req-1', timestamp: 1234, resourceversion: '5' },
      route: { source: 'edgecontroller', group: 'resource', operation: 'response', resource: 'default/configmap/c' },
      content: { kind: 'ConfigMap' },
    });
  });

  it('ackFor reproduces the captured edge ACK shape', () => {
    const down = downstream.find((f) => f.file === 'pod-ack.json');
    const up = upstream.find((f) => f.file === 'pod-ack.json');
    assert.ok(down && up);
    const req = decodeMessage(down.msg);
    const captured = decodeMessage(up.msg);
    const ack = ackFor(req, { now: () => captured.header.timestamp, newId: () => captured.header.msg_id });
    assert.equal(encodeMessage(ack), encodeMessage(captured));
  });
});
