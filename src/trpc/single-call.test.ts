import { describe, expect, it } from 'vitest';
import { MUTATIONS } from './single-call.ts';

describe('the lean path’s view of the router', () => {
  // Read from tRPC's runtime router shape (flat by dotted path): a tRPC upgrade that changes it shows up here.
  it('knows every mutation, and only mutations', () => {
    expect([...MUTATIONS].sort()).toEqual([
      'chat.cancel',
      'chat.send',
      'chat.start',
      'conversations.delete',
      'conversations.rename',
    ]);
  });
});
