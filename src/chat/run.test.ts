import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { tick } from '../../test/helpers/async.ts';
import type { ChatEvent, ChatResult } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import { Run } from './run.ts';

function resultOf(run: Run, content: string): ChatResult {
  return {
    runId: run.id,
    model: run.model,
    message: { role: 'assistant', content },
    finishReason: 'stop',
    usage: null,
    attachments: [],
    aiGenerated: true,
    label: null,
  };
}

async function collect(iterable: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

/** started, delta "a", delta "b", completed "ab". */
function finishedRun(): Run {
  const run = new Run('p1', 'openclaw');
  run.emit({ type: 'started' });
  run.emit({ type: 'delta', text: 'a' });
  run.emit({ type: 'delta', text: 'b' });
  run.emit({ type: 'completed', result: resultOf(run, 'ab') });
  return run;
}

describe('Run events', () => {
  it('numbers events 1, 2, 3, … and stamps the run id', () => {
    const run = new Run('p1', 'openclaw/main');
    expect(run.emit({ type: 'started' })).toEqual({ type: 'started', runId: run.id, eventId: '1' });
    expect(run.emit({ type: 'delta', text: '你好' })).toEqual({
      type: 'delta',
      text: '你好',
      runId: run.id,
      eventId: '2',
    });
    expect(run.lastEventId).toBe('2');
    expect(run.model).toBe('openclaw/main');
    expect(run.principalId).toBe('p1');
    expect(run.status).toBe('running');
  });

  it('run ids are unique, URL-safe UUIDv7s, led by their creation time (ms)', () => {
    const list = Array.from({ length: 50 }, () => new Run('p', 'm').id);
    expect(new Set(list).size).toBe(50);
    for (const id of list) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const times = list.map((id) => id.slice(0, 13));
    expect([...times].sort()).toEqual(times);
  });

  it('completed settles result, sets status and ignores later emits', async () => {
    const run = finishedRun();
    expect(run.status).toBe('completed');
    expect(run.finishedAt).toBeTypeOf('number');
    expect(await run.result).toEqual(resultOf(run, 'ab'));
    expect(run.emit({ type: 'delta', text: 'late' })).toBeUndefined();
    expect(run.lastEventId).toBe('4');
  });

  it('failed rejects result with the AppError', async () => {
    const run = new Run('p', 'm');
    run.emit({ type: 'started' });
    run.fail(new AppError('UPSTREAM_FAILED', 'nope'));
    expect(run.status).toBe('failed');
    const error = await run.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('UPSTREAM_FAILED');
    expect((error as AppError).message).toBe('nope');
  });
});

describe('Run.subscribe', () => {
  it('with no id replays everything and ends after completed', async () => {
    const run = finishedRun();
    expect((await collect(run.subscribe())).map((e) => e.eventId)).toEqual(['1', '2', '3', '4']);
    expect((await collect(run.subscribe(''))).map((e) => e.eventId)).toEqual(['1', '2', '3', '4']);
  });

  it.each([
    ['0', ['1', '2', '3', '4']],
    ['1', ['2', '3', '4']],
    ['2', ['3', '4']],
    ['3', ['4']],
    ['4', []],
  ])('after "%s" replays exactly the later events', async (after, ids) => {
    expect((await collect(finishedRun().subscribe(after))).map((e) => e.eventId)).toEqual(ids);
  });

  it.each(['5', '99', '-1', '1.5', 'abc', 'NaN'])('unknown id "%s" → INVALID_INPUT', async (after) => {
    const run = finishedRun();
    const error = await collect(run.subscribe(after)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('INVALID_INPUT');
    expect((error as AppError).message).toContain(after);
  });

  it('replays the backlog, then delivers live events, then ends after completed', async () => {
    const run = new Run('p', 'm');
    run.emit({ type: 'started' });
    run.emit({ type: 'delta', text: 'x' });
    const seen: string[] = [];
    const done = (async () => {
      for await (const event of run.subscribe('1')) seen.push(`${event.eventId}:${event.type}`);
    })();
    await tick();
    expect(seen).toEqual(['2:delta']);
    run.emit({ type: 'delta', text: 'y' });
    await tick();
    expect(seen).toEqual(['2:delta', '3:delta']);
    run.emit({ type: 'completed', result: resultOf(run, 'xy') });
    await done;
    expect(seen).toEqual(['2:delta', '3:delta', '4:completed']);
  });

  it('several subscribers each get every event', async () => {
    const run = new Run('p', 'm');
    const a = collect(run.subscribe());
    const b = collect(run.subscribe());
    run.emit({ type: 'started' });
    run.emit({ type: 'delta', text: 'x' });
    run.fail(new AppError('UPSTREAM_TIMEOUT', 't'));
    const [ea, eb] = await Promise.all([a, b]);
    expect(ea.map((e) => e.type)).toEqual(['started', 'delta', 'failed']);
    expect(eb).toEqual(ea);
  });

  it('an aborted subscriber detaches; the run goes on', async () => {
    const run = new Run('p', 'm');
    run.emit({ type: 'started' });
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const event of run.subscribe(undefined, controller.signal)) seen.push(event.eventId);
    })();
    await tick();
    controller.abort();
    await done;
    expect(seen).toEqual(['1']);
    expect(run.status).toBe('running');
    run.emit({ type: 'delta', text: 'still running' });
    expect(run.lastEventId).toBe('2');
  });

  it('a long-lived subscriber signal does not accumulate abort listeners (one per wait would leak)', async () => {
    const run = new Run('p', 'm');
    run.emit({ type: 'started' });
    const controller = new AbortController();
    let seen = 0;
    const done = (async () => {
      for await (const _event of run.subscribe(undefined, controller.signal)) seen++;
    })();
    for (let i = 0; i < 30; i++) {
      await tick();
      run.emit({ type: 'delta', text: String(i) });
    }
    await tick();
    expect(seen).toBe(31);
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    run.emit({ type: 'completed', result: resultOf(run, '') });
    await done;
  });
});

describe('Run.cancel', () => {
  it('emits failed CANCELLED, aborts the signal and rejects the result', async () => {
    const run = new Run('p', 'm');
    run.emit({ type: 'started' });
    const events = collect(run.subscribe());
    expect(run.signal.aborted).toBe(false);
    expect(run.cancel()).toBe(true);
    expect(run.signal.aborted).toBe(true);
    expect(run.aborted).toBe(true);
    expect((run.signal.reason as AppError).code).toBe('CANCELLED');
    expect(run.status).toBe('failed');
    expect((await events).at(-1)).toEqual({
      type: 'failed',
      code: 'CANCELLED',
      message: 'The run was cancelled.',
      runId: run.id,
      eventId: '2',
    });
    const error = (await run.result.catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('CANCELLED');
  });

  it('returns false once the run has ended, and does not abort', () => {
    const run = finishedRun();
    expect(run.cancel()).toBe(false);
    expect(run.signal.aborted).toBe(false);
    expect(run.lastEventId).toBe('4');
    const cancelled = new Run('p', 'm');
    expect(cancelled.cancel()).toBe(true);
    expect(cancelled.cancel()).toBe(false);
    expect(cancelled.lastEventId).toBe('1');
  });
});

describe('Run event-log cap', () => {
  it('fails the run with UPSTREAM_FAILED instead of growing past maxEventBytes, and aborts its upstream', async () => {
    const run = new Run('p', 'm', { maxEventBytes: 10_000 });
    run.emit({ type: 'started' });
    let emitted = 0;
    while (run.emit({ type: 'delta', text: 'x'.repeat(1000) })) emitted++;
    expect(emitted).toBeGreaterThan(0);
    expect(emitted).toBeLessThan(5);
    expect(run.status).toBe('failed');
    expect(run.aborted).toBe(true);
    expect(run.bytes).toBeLessThanOrEqual(10_000);
    await expect(run.result).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
      message: expect.stringMatching(/too large/),
    });
  });
});

describe('Run.retract', () => {
  it('while running: drops the deltas (text and bytes) and marks the failure that follows', async () => {
    const run = new Run('p1', 'openclaw');
    run.emit({ type: 'started' });
    run.emit({ type: 'delta', text: 'bad words' });
    const before = run.bytes;
    run.retract();
    expect(run.bytes).toBe(before - 'bad words'.length * 2);
    expect(run.partialText).toBe('');
    run.abort(new AppError('CONTENT_REJECTED', 'withheld'));
    const events = await collect(run.subscribe());
    expect(events.map((e) => e.type)).toEqual(['started', 'failed']);
    expect(events[1]).toMatchObject({ code: 'CONTENT_REJECTED', eventId: '3', retracted: true });
    // Resuming from an id issued before the retraction still works.
    expect((await collect(run.subscribe('1'))).map((e) => e.eventId)).toEqual(['3']);
  });

  it('after a cancel: the deltas go, the failure is marked, the bytes the registry counted stay', async () => {
    const run = new Run('p1', 'openclaw');
    run.emit({ type: 'started' });
    run.emit({ type: 'delta', text: 'shown' });
    run.cancel();
    const bytes = run.bytes;
    run.retract();
    expect(run.bytes).toBe(bytes);
    const events = await collect(run.subscribe());
    expect(events.map((e) => e.type)).toEqual(['started', 'failed']);
    expect(events[1]).toMatchObject({ code: 'CANCELLED', retracted: true });
  });

  it('never touches a completed run', async () => {
    const run = finishedRun();
    run.retract();
    expect(run.retracted).toBe(false);
    expect((await collect(run.subscribe())).map((e) => e.type)).toEqual(['started', 'delta', 'delta', 'completed']);
  });
});
