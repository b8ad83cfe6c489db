import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../status.js';
import { applyJsonPatch, parsePointer } from './json-patch.js';
import { parseJson } from './test-util.js';

const parse = parseJson;

function rejects(reason: string, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof ApiError && err.reason === reason);
}

describe('applyJsonPatch (RFC 6902 appendix A)', () => {
  const cases: Array<[string, string, string, string]> = [
    ['A.1 adding an object member', '{"foo":"bar"}', '[{"op":"add","path":"/baz","value":"qux"}]', '{"baz":"qux","foo":"bar"}'],
    ['A.2 adding an array element', '{"foo":["bar","baz"]}', '[{"op":"add","path":"/foo/1","value":"qux"}]', '{"foo":["bar","qux","baz"]}'],
    ['A.3 removing an object member', '{"baz":"qux","foo":"bar"}', '[{"op":"remove","path":"/baz"}]', '{"foo":"bar"}'],
    ['A.4 removing an array element', '{"foo":["bar","qux","baz"]}', '[{"op":"remove","path":"/foo/1"}]', '{"foo":["bar","baz"]}'],
    ['A.5 replacing a value', '{"baz":"qux","foo":"bar"}', '[{"op":"replace","path":"/baz","value":"boo"}]', '{"baz":"boo","foo":"bar"}'],
    [
      'A.6 moving a value',
      '{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}',
      '[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]',
      '{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}',
    ],
    [
      'A.7 moving an array element',
      '{"foo":["all","grass","cows","eat"]}',
      '[{"op":"move","from":"/foo/1","path":"/foo/3"}]',
      '{"foo":["all","cows","eat","grass"]}',
    ],
    [
      'A.8 testing a value: success',
      '{"baz":"qux","foo":["a",2,"c"]}',
      '[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]',
      '{"baz":"qux","foo":["a",2,"c"]}',
    ],
    ['A.10 adding a nested member object', '{"foo":"bar"}', '[{"op":"add","path":"/child","value":{"grandchild":{}}}]', '{"foo":"bar","child":{"grandchild":{}}}'],
    ['A.11 ignoring unrecognized elements', '{"foo":"bar"}', '[{"op":"add","path":"/baz","value":"qux","xyz":123}]', '{"foo":"bar","baz":"qux"}'],
    ['A.14 ~ escape ordering', '{"/":9,"~1":10}', '[{"op":"test","path":"/~01","value":10}]', '{"/":9,"~1":10}'],
    ['A.16 adding an array value', '{"foo":["bar"]}', '[{"op":"add","path":"/foo/-","value":["abc","def"]}]', '{"foo":["bar",["abc","def"]]}'],
    ['copy', '{"a":{"b":1}}', '[{"op":"copy","from":"/a","path":"/c"}]', '{"a":{"b":1},"c":{"b":1}}'],
    ['replace the root', '{"a":1}', '[{"op":"replace","path":"","value":[1]}]', '[1]'],
    ['escaped slash in a member name', '{"metadata":{"labels":{"app.kubernetes.io/name":"x"}}}', '[{"op":"remove","path":"/metadata/labels/app.kubernetes.io~1name"}]', '{"metadata":{"labels":{}}}'],
  ];
  for (const [name, doc, patch, expected] of cases) {
    it(name, () => {
      assert.deepEqual(applyJsonPatch(parse(doc), parse(patch)), parse(expected));
    });
  }

  it('A.9 a failed test is 422 Invalid', () => {
    rejects('Invalid', () => applyJsonPatch(parse('{"baz":"qux"}'), parse('[{"op":"test","path":"/baz","value":"bar"}]')));
  });

  it('A.12 adding to a nonexistent target is 422', () => {
    rejects('Invalid', () => applyJsonPatch(parse('{"foo":"bar"}'), parse('[{"op":"add","path":"/baz/bat","value":"qux"}]')));
  });

  it('A.15 strings and numbers are not equal', () => {
    rejects('Invalid', () => applyJsonPatch(parse('{"/":9,"~1":10}'), parse('[{"op":"test","path":"/~01","value":"10"}]')));
  });

  it('removing or replacing a missing path is 422', () => {
    rejects('Invalid', () => applyJsonPatch(parse('{"a":1}'), parse('[{"op":"remove","path":"/b"}]')));
    rejects('Invalid', () => applyJsonPatch(parse('{"a":[1]}'), parse('[{"op":"replace","path":"/a/1","value":2}]')));
    rejects('Invalid', () => applyJsonPatch(parse('{"a":[1]}'), parse('[{"op":"add","path":"/a/5","value":2}]')));
  });

  it('moving a value into its own child is 422', () => {
    rejects('Invalid', () => applyJsonPatch(parse('{"a":{"b":1}}'), parse('[{"op":"move","from":"/a","path":"/a/b/c"}]')));
  });

  it('malformed documents are 400', () => {
    rejects('BadRequest', () => applyJsonPatch({}, { op: 'add' }));
    rejects('BadRequest', () => applyJsonPatch({}, [{ path: '/a', value: 1 }]));
    rejects('BadRequest', () => applyJsonPatch({}, [{ op: 'frobnicate', path: '/a' }]));
    rejects('BadRequest', () => applyJsonPatch({}, [{ op: 'add', path: '/a' }]));
    rejects('BadRequest', () => applyJsonPatch({}, [{ op: 'move', path: '/a' }]));
    rejects('BadRequest', () => applyJsonPatch({}, [{ op: 'add', path: 'a', value: 1 }]));
    rejects('BadRequest', () => applyJsonPatch({}, [{ op: 'remove', path: '/a~2' }]));
  });

  it('more than 10000 operations is 413', () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '', value: {} }));
    rejects('RequestEntityTooLarge', () => applyJsonPatch({}, ops));
  });

  it('does not modify the input and stops at the first failing operation', () => {
    const doc = parse('{"metadata":{"labels":{"a":"1"}},"list":[1,2]}');
    const before = structuredClone(doc);
    const out = applyJsonPatch(doc, parse('[{"op":"add","path":"/list/-","value":3},{"op":"remove","path":"/metadata/labels/a"}]'));
    assert.deepEqual(doc, before);
    assert.deepEqual(out, parse('{"metadata":{"labels":{}},"list":[1,2,3]}'));
    assert.throws(() => applyJsonPatch(doc, parse('[{"op":"remove","path":"/list/0"},{"op":"test","path":"/x","value":1}]')));
    assert.deepEqual(doc, before);
  });

  it('kubectl csaupgrade shape: replace managedFields and resourceVersion', () => {
    const doc = parse('{"metadata":{"name":"x","resourceVersion":"7","managedFields":[{"manager":"a"}]}}');
    const out = applyJsonPatch(
      doc,
      parse('[{"op":"replace","path":"/metadata/managedFields","value":[{"manager":"kubectl"}]},{"op":"replace","path":"/metadata/resourceVersion","value":"7"}]'),
    );
    assert.deepEqual(out, parse('{"metadata":{"name":"x","resourceVersion":"7","managedFields":[{"manager":"kubectl"}]}}'));
  });

  it('parses pointers with escapes', () => {
    assert.deepEqual(parsePointer(''), []);
    assert.deepEqual(parsePointer('/a~1b/~0c/'), ['a/b', '~c', '']);
  });
});
