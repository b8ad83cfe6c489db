import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isJsonObject } from '../../../base/index.js';
import { applyMergePatch } from './merge-patch.js';
import { obj, parseJson } from './test-util.js';

const parse = parseJson;

describe('applyMergePatch (RFC 7386 appendix A)', () => {
  const cases: Array<[string, string, string]> = [
    ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
    ['{"a":"b"}', '{"a":null}', '{}'],
    ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
    ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
    ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
    ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
    ['["a","b"]', '["c","d"]', '["c","d"]'],
    ['{"a":"b"}', '["c"]', '["c"]'],
    ['{"a":"foo"}', 'null', 'null'],
    ['{"a":"foo"}', '"bar"', '"bar"'],
    ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
    ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
    ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
  ];
  for (const [doc, patch, expected] of cases) {
    it(`${doc} + ${patch}`, () => {
      assert.deepEqual(applyMergePatch(parse(doc), parse(patch)), parse(expected));
    });
  }

  it('does not modify its arguments and shares nothing with them', () => {
    const doc = parse('{"metadata":{"labels":{"a":"1"}},"spec":{"x":[1]}}');
    const patch = parse('{"metadata":{"labels":{"b":"2"}}}');
    const before = structuredClone(doc);
    const out = applyMergePatch(doc, patch);
    assert.deepEqual(doc, before);
    assert.deepEqual(out, parse('{"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"x":[1]}}'));
    const x = obj(out)['spec'];
    assert.ok(isJsonObject(x) && Array.isArray(x['x']));
    x['x'].push(2);
    assert.deepEqual(doc, before);
  });
});
