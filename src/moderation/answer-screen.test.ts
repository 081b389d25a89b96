import { describe, expect, it } from 'vitest';
import { AnswerScreen, PIECE_OVERLAP_CHARS } from './answer-screen.ts';
import type { Moderation, Verdict } from './moderation.ts';

const user = { id: 'u', openid: 'o' };

/** A moderation whose checks the test settles one by one. */
function scripted(streamChars = 10) {
  const pending: { text: string; settle: (verdict: Verdict) => void }[] = [];
  const moderation: Moderation = {
    streamChars,
    moderate: (text) => new Promise<Verdict>((settle) => pending.push({ text, settle })),
  };
  return { moderation, pending };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('AnswerScreen', () => {
  it('checks every streamChars new characters, one check in flight, then the tail at the end', async () => {
    const { moderation, pending } = scripted();
    const refused: Verdict[] = [];
    const screen = new AnswerScreen(moderation, user, { onRefused: (v) => refused.push(v) });
    screen.add('0123456');
    expect(pending).toHaveLength(0);
    screen.add('789abc');
    expect(pending.map((p) => p.text)).toEqual(['0123456789abc']);
    screen.add('defghijklmnop');
    expect(pending).toHaveLength(1);
    pending[0]!.settle({ allowed: true });
    await flush();
    // Behind by more than streamChars: the next piece takes all that arrived, overlapping the last one.
    expect(pending[1]!.text).toBe('0123456789abcdefghijklmnop'.slice(Math.max(0, 13 - PIECE_OVERLAP_CHARS)));
    const done = screen.finish('0123456789abcdefghijklmnopqrs');
    pending[1]!.settle({ allowed: true });
    await flush();
    expect(pending[2]!.text.endsWith('qrs')).toBe(true);
    pending[2]!.settle({ allowed: true });
    expect(await done).toEqual({ allowed: true });
    expect(refused).toEqual([]);
  });

  it('a refused piece is reported at once and stops the checking', async () => {
    const { moderation, pending } = scripted();
    const refused: Verdict[] = [];
    const screen = new AnswerScreen(moderation, user, { onRefused: (v) => refused.push(v) });
    screen.add('x'.repeat(12));
    pending[0]!.settle({ allowed: false, reason: 'rejected' });
    await flush();
    expect(refused).toEqual([{ allowed: false, reason: 'rejected' }]);
    screen.add('y'.repeat(30));
    expect(pending).toHaveLength(1);
    expect(await screen.finish('x'.repeat(12) + 'y'.repeat(30))).toEqual({ allowed: false, reason: 'rejected' });
  });

  it('a non-streamed answer is checked whole at the end; nothing left unchecked costs no call', async () => {
    const { moderation, pending } = scripted();
    const screen = new AnswerScreen(moderation, user, { onRefused: () => {} });
    const done = screen.finish('the whole answer');
    await flush();
    expect(pending.map((p) => p.text)).toEqual(['the whole answer']);
    pending[0]!.settle({ allowed: true });
    expect(await done).toEqual({ allowed: true });

    const streamed = new AnswerScreen(moderation, user, { onRefused: () => {} });
    streamed.add('0123456789');
    pending[1]!.settle({ allowed: true });
    await flush();
    expect(await streamed.finish('0123456789')).toEqual({ allowed: true });
    expect(pending).toHaveLength(2);
  });
});
