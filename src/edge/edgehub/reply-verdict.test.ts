import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorTo, newMessage, responseTo } from '../../api/index.js';
import { ReplyVerdict, classifyReply, isTransient } from './reply-verdict.js';

const req = newMessage({ source: 'edged', group: 'meta', operation: 'patch', resource: 'default/podpatch/web', content: '{}' });
const objectResp = (code: number): unknown => ({ Object: null, Err: { ErrStatus: { kind: 'Status', code, reason: 'R', message: `m${code}` } } });

test('success replies are Ok', () => {
  assert.equal(classifyReply(responseTo(req, { Object: { metadata: {} }, Err: null })).verdict, ReplyVerdict.Ok);
  assert.equal(classifyReply(responseTo(req, 'OK')).verdict, ReplyVerdict.Ok);
  assert.equal(classifyReply(responseTo(req, { metadata: { name: 'web' } })).verdict, ReplyVerdict.Ok);
});

test('final codes are Rejected; 5xx, 429 and timeout texts are transient Retry', () => {
  for (const code of [400, 403, 404, 409, 422]) {
    assert.equal(classifyReply(responseTo(req, objectResp(code))).verdict, ReplyVerdict.Rejected, String(code));
    assert.equal(classifyReply(responseTo(req, { ErrStatus: { code } })).verdict, ReplyVerdict.Rejected, `bare ${code}`);
  }
  for (const code of [500, 502, 503, 504, 429]) {
    const o = classifyReply(responseTo(req, objectResp(code)));
    assert.equal(o.verdict, ReplyVerdict.Retry, String(code));
    assert.equal(o.code, code);
    assert.equal(isTransient(o), true);
  }
  for (const text of ['timeout', 'request timed out', 'connection lost', 'context deadline exceeded']) {
    const o = classifyReply(errorTo(req, text));
    assert.equal(o.verdict, ReplyVerdict.Retry, text);
    assert.equal(isTransient(o), true, text);
  }
});

test('failures that cannot be classified stay queued, but are not called transient', () => {
  const o = classifyReply(errorTo(req, 'something odd'));
  assert.equal(o.verdict, ReplyVerdict.Retry);
  assert.equal(isTransient(o), false);
  const u = classifyReply(responseTo(req, objectResp(401)));
  assert.equal(u.verdict, ReplyVerdict.Retry);
  assert.equal(isTransient(u), false);
});
