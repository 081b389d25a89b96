import { describe, expect, it } from 'vitest';
import { ChatEventsDocument, LimitsDocument, SendChatDocument } from '../generated/graphql.ts';
import { operationNameOf, operationTypeOf } from './context.ts';

describe('operation detection on generated documents', () => {
  it('finds the type and name', () => {
    expect([operationTypeOf(String(SendChatDocument)), operationNameOf(String(SendChatDocument))]).toEqual([
      'mutation',
      'SendChat',
    ]);
    expect(operationTypeOf(String(ChatEventsDocument))).toBe('subscription');
    expect(operationTypeOf(String(LimitsDocument))).toBe('query');
    expect(operationTypeOf('# comment\n  subscription X { a }')).toBe('subscription');
    expect(operationTypeOf('{ limits { maxFiles } }')).toBe('query');
  });
});
