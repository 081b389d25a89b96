import fc from 'fast-check';
import { GraphQLError, Source } from 'graphql';
import { describe, expect, it } from 'vitest';
import { hideSuggestions, withoutSuggestions } from './suggestions.ts';

describe('withoutSuggestions', () => {
  it.each([
    [
      'Cannot query field "mesage" on type "ChatResult". Did you mean "message"?',
      'Cannot query field "mesage" on type "ChatResult".',
    ],
    [
      'Value "usr" does not exist in "ChatRole" enum. Did you mean the enum value "user"?',
      'Value "usr" does not exist in "ChatRole" enum.',
    ],
    ['Unknown type "Chat". Did you mean "ChatEvent", "ChatResult", or "ChatRole"?', 'Unknown type "Chat".'],
    [
      'Field "mesages" is not defined by type "SendChatInput". Did you mean "messages"?',
      'Field "mesages" is not defined by type "SendChatInput".',
    ],
    ['Syntax Error: Unexpected "}".', 'Syntax Error: Unexpected "}".'],
  ])('%s', (message, expected) => {
    expect(withoutSuggestions(message)).toBe(expected);
  });

  it('property: strips exactly the suggestion graphql-js appended, whatever the client wrote before it', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.constantFrom('"a"', '"b"', ', ', 'or ', 'the enum value ')),
        (head, names) => {
          expect(withoutSuggestions(`${head} Did you mean ${names.join('')}?`)).toBe(head);
        },
      ),
    );
  });

  it('hideSuggestions keeps locations and extensions', () => {
    const error = new GraphQLError('Unknown type "Chat". Did you mean "ChatRole"?', {
      source: new Source('query { a }'),
      positions: [8],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const hidden = hideSuggestions(error);
    expect(hidden.message).toBe('Unknown type "Chat".');
    expect(hidden.locations).toEqual([{ line: 1, column: 9 }]);
    expect(hidden.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });
});
