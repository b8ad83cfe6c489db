import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MESSAGES, PROTOBUF_KINDS, kindMessage, messageSpec } from './schema.js';

function messageRef(type: string): string | undefined {
  return type.startsWith('message:') ? type.slice('message:'.length) : undefined;
}

describe('protobuf schema tables', () => {
  it('resolves every message reference', () => {
    for (const [name, spec] of Object.entries(MESSAGES)) {
      for (const [num, f] of Object.entries(spec.fields)) {
        const ref = messageRef(f.type);
        if (ref !== undefined) assert.ok(messageSpec(ref), `${name}.${num} refers to unknown message ${ref}`);
      }
    }
  });

  it('maps every protobuf kind to a top-level message with metadata at field 1', () => {
    for (const [key, name] of Object.entries(PROTOBUF_KINDS)) {
      const [apiVersion = '', kind = ''] = key.split(' ');
      assert.equal(kindMessage(apiVersion, kind), name);
      const meta = messageSpec(name)?.fields[1];
      assert.deepEqual(meta, { name: 'metadata', type: 'message:ObjectMeta' }, key);
    }
    assert.equal(kindMessage('v1', 'toString'), undefined);
    assert.equal(messageSpec('constructor'), undefined);
  });

  it('uses each JSON name once per message, including names merged from inline fields', () => {
    const names = (msg: string): string[] =>
      Object.values(messageSpec(msg)?.fields ?? {}).flatMap((f) => (f.inline ? names(messageRef(f.type) ?? '') : [f.name]));
    for (const name of Object.keys(MESSAGES)) {
      const all = names(name);
      assert.equal(new Set(all).size, all.length, `${name}: ${all.join(', ')}`);
      assert.ok(all.every((n) => n !== ''), name);
    }
  });

  it('marks keep/inline/repeated only where they make sense', () => {
    for (const [name, spec] of Object.entries(MESSAGES)) {
      for (const [num, f] of Object.entries(spec.fields)) {
        assert.ok(Number.isInteger(Number(num)) && Number(num) > 0, `${name}.${num}`);
        if (f.inline) assert.ok(messageRef(f.type) !== undefined && f.repeated === undefined, `${name}.${num}`);
        if (f.type.startsWith('map<')) assert.equal(f.repeated, undefined, `${name}.${num}`);
      }
    }
  });
});
