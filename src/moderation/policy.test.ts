import { describe, expect, it } from 'vitest';
import type { ContentCheck, PolicyOptions } from './policy.ts';
import { createModerationPolicy } from './policy.ts';

const user = { id: 'u', openid: 'o-user' };

function setup(
  overrides: Partial<PolicyOptions> = {},
  judge: (piece: string) => 'pass' | 'review' | 'risky' = () => 'pass',
) {
  const calls: { piece: string; openid: string }[] = [];
  const lines: { level: string; object: object; message: string }[] = [];
  const log = (level: string) => (object: object, message: string) => lines.push({ level, object, message });
  const check: ContentCheck = async (piece, openid) => {
    calls.push({ piece, openid });
    if (piece.includes('DOWN')) throw new Error('errcode -1');
    return { suggest: judge(piece), label: 20001 };
  };
  const policy = createModerationPolicy({
    check,
    maxChars: 10,
    review: 'allow',
    fail: { input: 'closed', output: 'open' },
    streamChars: 5,
    log: { info: log('info'), error: log('error'), debug: log('debug') },
    ...overrides,
  });
  return { policy, calls, lines };
}

describe('moderation policy', () => {
  it('pass is allowed; the openid goes with every piece', async () => {
    const { policy, calls } = setup();
    expect(await policy.moderate('hello', user, 'input')).toEqual({ allowed: true });
    expect(calls).toEqual([{ piece: 'hello', openid: 'o-user' }]);
  });

  it('risky is refused and logged with its label', async () => {
    const { policy, lines } = setup({}, () => 'risky');
    expect(await policy.moderate('bad', user, 'output')).toEqual({ allowed: false, reason: 'rejected' });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', object: expect.objectContaining({ suggest: 'risky', label: 20001 }) }),
    ]);
  });

  it('review follows MODERATION_REVIEW and is logged either way', async () => {
    const allow = setup({ review: 'allow' }, () => 'review');
    expect(await allow.policy.moderate('hmm', user, 'input')).toEqual({ allowed: true });
    expect(allow.lines[0]?.message).toContain('review, allowed');
    const refuse = setup({ review: 'refuse' }, () => 'review');
    expect(await refuse.policy.moderate('hmm', user, 'input')).toEqual({ allowed: false, reason: 'rejected' });
    expect(refuse.lines[0]?.message).toContain('review, refused');
  });

  it('long text is checked in pieces, stopping at the first refusal', async () => {
    const { policy, calls } = setup({}, (piece) => (piece.includes('X') ? 'risky' : 'pass'));
    expect(await policy.moderate(`${'a'.repeat(25)}`, user, 'input')).toEqual({ allowed: true });
    expect(calls.map((c) => c.piece.length)).toEqual([10, 10, 5]);
    calls.length = 0;
    expect(await policy.moderate(`${'a'.repeat(12)}X${'a'.repeat(20)}`, user, 'input')).toMatchObject({
      allowed: false,
    });
    expect(calls).toHaveLength(2);
  });

  it('a provider failure follows the direction’s fail mode, logged', async () => {
    const { policy, lines } = setup();
    expect(await policy.moderate('DOWN', user, 'input')).toEqual({ allowed: false, reason: 'unavailable' });
    expect(await policy.moderate('DOWN', user, 'output')).toEqual({ allowed: true });
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['error', 'moderation unavailable: input refused (MODERATION_FAIL=closed)'],
      ['error', 'moderation unavailable: output allowed (MODERATION_FAIL=open)'],
    ]);
  });

  it('callers without an openid and blank text cost no call', async () => {
    const { policy, calls, lines } = setup({}, () => 'risky');
    expect(await policy.moderate('bad', { id: 'key_x' }, 'input')).toEqual({ allowed: true });
    expect(await policy.moderate('  \n', user, 'input')).toEqual({ allowed: true });
    expect(calls).toEqual([]);
    expect(lines.map((l) => l.level)).toEqual(['debug']);
  });

  it('an aborted check rethrows the abort instead of applying the fail mode', async () => {
    const controller = new AbortController();
    const { policy } = setup({
      check: async () => {
        controller.abort(new Error('run cancelled'));
        throw new Error('aborted');
      },
    });
    await expect(policy.moderate('x', user, 'output', { signal: controller.signal })).rejects.toThrow('run cancelled');
  });
});
