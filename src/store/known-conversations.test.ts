import { describe, expect, it } from 'vitest';
import { KnownConversations } from './known-conversations.ts';

const alice = { owner: 'alice', sessionKey: 's1' };

describe('KnownConversations', () => {
  it('keeps the most recently used within its bound', () => {
    const known = new KnownConversations(2);
    known.remember('a', alice, known.generation);
    known.remember('b', alice, known.generation);
    expect(known.get('a')).toBe(alice); // now the most recent
    known.remember('c', alice, known.generation);
    expect(known.get('b')).toBeUndefined();
    expect(known.get('a')).toBe(alice);
    expect(known.size).toBe(2);
  });

  it('forgets a deleted conversation, and ignores a read that began before a deletion', () => {
    const known = new KnownConversations(10);
    known.remember('a', alice, known.generation);
    const readAt = known.generation;
    known.forget('a');
    expect(known.get('a')).toBeUndefined();
    known.remember('a', alice, readAt);
    expect(known.get('a')).toBeUndefined();
    known.remember('a', alice, known.generation);
    expect(known.get('a')).toBe(alice);
  });
});
