import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isKeError } from '../base/index.js';
import { silentLogger } from '../platform/log/index.js';
import { createFakeClock } from './fake-clock.js';
import { createRuntime } from './runtime.js';
import type { Module, ModuleContext, RestartPolicy, RoutedMessage } from './types.js';

interface Probe {
  module: Module;
  ctx(): ModuleContext;
  starts: number;
}

function probe(
  name: string,
  events: string[],
  opts: { dependsOn?: string[]; restart?: RestartPolicy; start?: (n: number) => Promise<void>; stop?: () => Promise<void> } = {},
): Probe {
  let ctx: ModuleContext | undefined;
  const p: Probe = {
    starts: 0,
    ctx: () => {
      if (ctx === undefined) throw new Error(`${name} not started`);
      return ctx;
    },
    module: {
      name,
      group: 'g',
      ...(opts.dependsOn === undefined ? {} : { dependsOn: opts.dependsOn }),
      ...(opts.restart === undefined ? {} : { restart: opts.restart }),
      async start(c) {
        ctx = c;
        p.starts++;
        events.push(`start:${name}`);
        await opts.start?.(p.starts);
      },
      async stop() {
        events.push(`stop:${name}`);
        await opts.stop?.();
      },
    },
  };
  return p;
}

const never = new Promise<void>(() => undefined);

describe('createRuntime', () => {
  it('starts in dependency order and stops in reverse, aborting each signal', async () => {
    const events: string[] = [];
    const edged = probe('edged', events, { dependsOn: ['metamanager'] });
    const hub = probe('edgehub', events);
    const meta = probe('metamanager', events, { dependsOn: ['edgehub'] });
    const rt = createRuntime({ modules: [edged.module, hub.module, meta.module], log: silentLogger(), clock: createFakeClock() });
    assert.deepEqual(rt.order, ['edgehub', 'metamanager', 'edged']);
    await rt.start();
    assert.deepEqual(events, ['start:edgehub', 'start:metamanager', 'start:edged']);
    assert.equal(rt.state('edged'), 'running');
    const signals = [hub, meta, edged].map((p) => p.ctx().signal);
    assert.ok(signals.every((s) => !s.aborted));
    events.length = 0;
    assert.deepEqual(await rt.stop(), []);
    assert.deepEqual(events, ['stop:edged', 'stop:metamanager', 'stop:edgehub']);
    assert.ok(signals.every((s) => s.aborted));
    assert.equal(rt.state('edgehub'), 'stopped');
  });

  it('refuses a dependency cycle before starting anything', () => {
    const events: string[] = [];
    assert.throws(
      () => createRuntime({ modules: [probe('a', events, { dependsOn: ['b'] }).module, probe('b', events, { dependsOn: ['a'] }).module], log: silentLogger() }),
      (e: unknown) => isKeError(e, 'KE_BEEHIVE_CYCLE'),
    );
    assert.deepEqual(events, []);
  });

  it('lets modules talk through their contexts', async () => {
    const events: string[] = [];
    const server = probe('server', events, {
      start: async () => {
        const ctx = server.ctx();
        void (async () => {
          for await (const m of ctx.receive()) ctx.respond({ header: { msg_id: `re-${m.header.msg_id}`, parent_msg_id: m.header.msg_id }, route: { source: 'server', group: 'g' } });
        })();
      },
    });
    const client = probe('client', events, { dependsOn: ['server'] });
    const rt = createRuntime({ modules: [server.module, client.module], log: silentLogger(), clock: createFakeClock() });
    await rt.start();
    const req: RoutedMessage = { header: { msg_id: 'q1' }, route: { source: 'client', group: 'g' } };
    const reply = await client.ctx().sendSync('server', req, 1000);
    assert.equal(reply.header.msg_id, 're-q1');
    await rt.stop();
  });

  it('fails start past its deadline and stops what already started, in reverse', async () => {
    const clock = createFakeClock();
    const events: string[] = [];
    const a = probe('a', events);
    const b = probe('b', events, { dependsOn: ['a'] });
    const slow = probe('slow', events, { dependsOn: ['b'], start: () => never });
    const rt = createRuntime({ modules: [a.module, b.module, slow.module], log: silentLogger(), clock, startTimeoutMs: 1000 });
    const started = rt.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await clock.advance(1000);
    const err = await started;
    assert.ok(isKeError(err, 'KE_BEEHIVE_START_FAILED'));
    assert.ok(isKeError(err.cause, 'KE_BEEHIVE_START_TIMEOUT'));
    assert.ok(slow.ctx().signal.aborted);
    assert.deepEqual(events, ['start:a', 'start:b', 'start:slow', 'stop:slow', 'stop:b', 'stop:a']);
  });

  it('gives every stop a deadline and goes on with the rest', async () => {
    const clock = createFakeClock();
    const events: string[] = [];
    const a = probe('a', events);
    const stuck = probe('stuck', events, { dependsOn: ['a'], stop: () => never });
    const rt = createRuntime({ modules: [a.module, stuck.module], log: silentLogger(), clock, stopTimeoutMs: 500 });
    await rt.start();
    const stopped = rt.stop();
    await clock.advance(500);
    const errors = await stopped;
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.name, 'stuck');
    assert.ok(isKeError(errors[0]?.error, 'KE_BEEHIVE_STOP_TIMEOUT'));
    assert.deepEqual(events, ['start:a', 'start:stuck', 'stop:stuck', 'stop:a']);
  });

  it('restarts an on-failure module with jittered backoff on the injected clock', async () => {
    const clock = createFakeClock();
    const events: string[] = [];
    // Attempt 2 (the first restart) fails to start; attempt 3 succeeds.
    const flaky = probe('flaky', events, {
      restart: { kind: 'on-failure', maxRestarts: 5, baseMs: 100, maxMs: 10_000 },
      start: async (n) => {
        if (n === 2) throw new Error('not yet');
      },
    });
    const rt = createRuntime({ modules: [flaky.module], log: silentLogger(), clock, random: () => 0.5 });
    await rt.start();
    const first = flaky.ctx();
    first.fail(new Error('loop died'));
    await clock.advance(0);
    assert.ok(first.signal.aborted);
    assert.equal(rt.state('flaky'), 'restarting');
    assert.deepEqual(events, ['start:flaky', 'stop:flaky']);
    await clock.advance(99); // backoff(0) = 100 ms with random 0.5
    assert.equal(flaky.starts, 1);
    await clock.advance(1);
    assert.equal(flaky.starts, 2, 'first restart after 100 ms');
    await clock.advance(199); // backoff(1) = 200 ms
    assert.equal(flaky.starts, 2);
    await clock.advance(1);
    assert.equal(flaky.starts, 3, 'second restart after 200 ms more');
    assert.equal(rt.state('flaky'), 'running');
    assert.equal(rt.restarts('flaky'), 2);
    first.fail(new Error('stale'));
    await clock.advance(0);
    assert.equal(rt.state('flaky'), 'running', 'a stale context cannot fail the new incarnation');
    await rt.stop();
    assert.equal(clock.pending(), 0);
  });

  it('gives up after maxRestarts, and never restarts a never-policy module', async () => {
    const clock = createFakeClock();
    const events: string[] = [];
    const gaveUp: string[] = [];
    const limited = probe('limited', events, { restart: { kind: 'on-failure', maxRestarts: 1, baseMs: 10 } });
    const once = probe('once', events);
    const rt = createRuntime({ modules: [limited.module, once.module], log: silentLogger(), clock, random: () => 0.5, onGiveUp: (n) => gaveUp.push(n) });
    await rt.start();
    once.ctx().fail(new Error('boom'));
    limited.ctx().fail(new Error('boom'));
    await clock.advance(10);
    assert.equal(limited.starts, 2);
    limited.ctx().fail(new Error('boom again'));
    await clock.advance(10_000);
    assert.equal(limited.starts, 2);
    assert.equal(once.starts, 1);
    assert.deepEqual(gaveUp.sort(), ['limited', 'once']);
    assert.equal(rt.state('limited'), 'failed');
    events.length = 0;
    await rt.stop();
    assert.deepEqual(events, [], 'modules already stopped after failing are not stopped twice');
  });

  it('treats ctx.fail during start as a start failure', async () => {
    const events: string[] = [];
    const bad = probe('bad', events, {
      start: async () => {
        bad.ctx().fail(new Error('broken'));
        await never;
      },
    });
    const rt = createRuntime({ modules: [bad.module], log: silentLogger(), clock: createFakeClock() });
    await assert.rejects(rt.start(), (e: unknown) => isKeError(e, 'KE_BEEHIVE_START_FAILED'));
    assert.deepEqual(events, ['start:bad', 'stop:bad']);
    assert.equal(rt.state('bad'), 'stopped');
  });

  it('cancels a pending restart on stop', async () => {
    const clock = createFakeClock();
    const events: string[] = [];
    const m = probe('m', events, { restart: { kind: 'on-failure', maxRestarts: 3, baseMs: 1000 } });
    const rt = createRuntime({ modules: [m.module], log: silentLogger(), clock });
    await rt.start();
    m.ctx().fail(new Error('boom'));
    await clock.advance(0);
    await rt.stop();
    await clock.advance(60_000);
    assert.equal(m.starts, 1);
  });
});
