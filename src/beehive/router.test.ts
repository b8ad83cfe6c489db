import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isKeError } from '../base/index.js';
import { createFakeClock } from './fake-clock.js';
import { Router } from './router.js';
import type { RoutedMessage } from './types.js';

interface TestMsg extends RoutedMessage {
  readonly header: { readonly msg_id: string; readonly parent_msg_id?: string | undefined };
  readonly route: { readonly source: string; readonly group: string; readonly operation: string };
  readonly content: string;
}

function msg(id: string, content = '', parent?: string): TestMsg {
  return { header: { msg_id: id, parent_msg_id: parent }, route: { source: 'test', group: 'g', operation: 'update' }, content };
}

async function takeOne(r: Router<TestMsg>, name: string, signal = new AbortController().signal): Promise<TestMsg | undefined> {
  for await (const m of r.receive(name, signal)) return m;
  return undefined;
}

describe('Router', () => {
  it('delivers send() in order to the named inbox', async () => {
    const r = new Router<TestMsg>();
    r.addInbox('a', 'edge');
    r.send('a', msg('1'));
    r.send('a', msg('2'));
    assert.equal(r.queued('a'), 2);
    assert.equal((await takeOne(r, 'a'))?.header.msg_id, '1');
    assert.equal((await takeOne(r, 'a'))?.header.msg_id, '2');
  });

  it('wakes a waiting receiver', async () => {
    const r = new Router<TestMsg>();
    r.addInbox('a', 'edge');
    const got = takeOne(r, 'a');
    r.send('a', msg('x'));
    assert.equal((await got)?.header.msg_id, 'x');
  });

  it('ends receive() when the signal aborts', async () => {
    const r = new Router<TestMsg>();
    r.addInbox('a', 'edge');
    const ac = new AbortController();
    const got = takeOne(r, 'a', ac.signal);
    ac.abort();
    assert.equal(await got, undefined);
  });

  it('refuses an unknown module with KE_BEEHIVE_UNKNOWN_MODULE', async () => {
    const r = new Router<TestMsg>();
    assert.throws(() => r.send('nope', msg('1')), (e: unknown) => isKeError(e, 'KE_BEEHIVE_UNKNOWN_MODULE'));
    await assert.rejects(r.sendSync('nope', msg('1'), 10), (e: unknown) => isKeError(e, 'KE_BEEHIVE_UNKNOWN_MODULE'));
  });

  it('refuses a full inbox with KE_BEEHIVE_INBOX_FULL', () => {
    const r = new Router<TestMsg>({ capacity: 2 });
    r.addInbox('a', 'edge');
    r.send('a', msg('1'));
    r.send('a', msg('2'));
    assert.throws(() => r.send('a', msg('3')), (e: unknown) => isKeError(e, 'KE_BEEHIVE_INBOX_FULL'));
    assert.equal(r.queued('a'), 2);
  });

  it('fans out sendToGroup to every member, all-or-nothing when one is full', async () => {
    const r = new Router<TestMsg>({ capacity: 1 });
    r.addInbox('a', 'edge');
    r.addInbox('b', 'edge');
    r.addInbox('c', 'cloud');
    assert.equal(r.sendToGroup('edge', msg('1')), 2);
    assert.equal(r.queued('a'), 1);
    assert.equal(r.queued('b'), 1);
    assert.equal(r.queued('c'), 0);
    await takeOne(r, 'a');
    assert.throws(() => r.sendToGroup('edge', msg('2')), (e: unknown) => isKeError(e, 'KE_BEEHIVE_INBOX_FULL'));
    assert.equal(r.queued('a'), 0, 'nothing delivered when a member is full');
    assert.throws(() => r.sendToGroup('nobody', msg('3')), (e: unknown) => isKeError(e, 'KE_BEEHIVE_UNKNOWN_GROUP'));
  });

  it('resolves sendSync with the reply whose parent_msg_id matches', async () => {
    const r = new Router<TestMsg>({ clock: createFakeClock() });
    r.addInbox('server', 'edge');
    const ac = new AbortController();
    const server = (async () => {
      for await (const req of r.receive('server', ac.signal)) {
        r.send('client', msg('unrelated', 'noise', 'other-id')); // not a reply to a pending call: goes to client's inbox
        assert.equal(r.respond(msg(`re-${req.header.msg_id}`, `pong:${req.content}`, req.header.msg_id)), true);
      }
    })();
    r.addInbox('client', 'edge');
    const [a, b] = await Promise.all([r.sendSync('server', msg('q1', 'one'), 1000), r.sendSync('server', msg('q2', 'two'), 1000)]);
    assert.equal(a.content, 'pong:one');
    assert.equal(b.content, 'pong:two');
    assert.equal(r.queued('client'), 2);
    assert.equal(r.respond(msg('late', '', 'q1')), false, 'a second reply finds nobody waiting');
    ac.abort();
    await server;
  });

  it('routes a send() of a reply to the waiting sendSync', async () => {
    const r = new Router<TestMsg>({ clock: createFakeClock() });
    r.addInbox('server', 'edge');
    r.addInbox('client', 'edge');
    const p = r.sendSync('server', msg('q1'), 1000);
    const req = await takeOne(r, 'server');
    r.send('client', msg('r1', 'ok', req?.header.msg_id));
    assert.equal((await p).content, 'ok');
    assert.equal(r.queued('client'), 0);
  });

  it('rejects sendSync with KE_BEEHIVE_TIMEOUT when no reply comes', async () => {
    const clock = createFakeClock();
    const r = new Router<TestMsg>({ clock });
    r.addInbox('server', 'edge');
    const p = r.sendSync('server', msg('q1'), 500);
    const settled = p.then(
      () => 'resolved',
      (e: unknown) => (isKeError(e, 'KE_BEEHIVE_TIMEOUT') ? 'timeout' : 'other'),
    );
    await clock.advance(499);
    assert.equal(clock.pending(), 1);
    await clock.advance(1);
    assert.equal(await settled, 'timeout');
    assert.equal(r.respond(msg('r1', '', 'q1')), false, 'a late reply is dropped');
  });

  it('fails pending sync calls on close', async () => {
    const r = new Router<TestMsg>({ clock: createFakeClock() });
    r.addInbox('server', 'edge');
    const p = r.sendSync('server', msg('q1'), 500);
    r.close();
    await assert.rejects(p, (e: unknown) => isKeError(e, 'KE_BEEHIVE_STOPPED'));
    assert.equal(r.has('server'), false);
  });
});
