import { GraphQLError } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../contract/errors.ts';
import { codeOf, createMaskError, yogaLogger } from './errors.ts';

/** An error as graphql-js hands it over after a resolver threw `cause`. */
const located = (cause: Error) => new GraphQLError(cause.message, { path: ['sendChat'], originalError: cause });

const logSpy = () => ({ info: vi.fn(), error: vi.fn(), warn: vi.fn(), debug: vi.fn() });
const maskError = createMaskError({ hideSuggestions: false });

describe('maskError and codeOf', () => {
  it.each([
    ['a chat-service error', located(new AppError('RATE_LIMITED', 'Slow down.', { retryAfter: 3 })), 'RATE_LIMITED'],
    ['a validation error', new GraphQLError('Cannot query field "nope" on type "Query".'), 'INVALID_INPUT'],
    ['a coercion error', new GraphQLError('Bad @oneOf', { originalError: new GraphQLError('inner') }), 'INVALID_INPUT'],
    [
      'a parse error with its code',
      new GraphQLError('Syntax Error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
      'GRAPHQL_PARSE_FAILED',
    ],
    ['a bug in a resolver', located(new TypeError('x is undefined')), 'INTERNAL'],
    ['something thrown that is not an error', 'boom', 'INTERNAL'],
  ])('%s → %s', (_name, error, code) => {
    expect(codeOf(error)).toBe(code);
    expect((maskError(error, 'Unexpected error.') as GraphQLError).extensions.code).toBe(code);
  });

  it('keeps the message and retryAfter of a chat-service error, and hides a bug’s', () => {
    const rateLimited = maskError(located(new AppError('RATE_LIMITED', 'Slow down.', { retryAfter: 3 })), 'x');
    expect(rateLimited.message).toBe('Slow down.');
    expect((rateLimited as GraphQLError).extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 3 });
    expect(maskError(located(new TypeError('secret internals')), 'Unexpected error.').message).toBe(
      'Unexpected error.',
    );
  });

  it('with hideSuggestions, a coercion error loses its "Did you mean"', () => {
    const coercion = new GraphQLError(
      'Variable "$input" got invalid value "usr" at "input.messages[0].role"; Value "usr" does not exist in "ChatRole" enum. Did you mean the enum value "user"?',
    );
    const hidden = createMaskError({ hideSuggestions: true })(coercion, 'x');
    expect(hidden.message).toMatch(/does not exist in "ChatRole" enum\.$/);
    expect(maskError(coercion, 'x').message).toContain('Did you mean');
  });
});

describe('yogaLogger', () => {
  it('sends the answered errors yoga logs after masking to debug, and passes everything else on', () => {
    const log = logSpy();
    const logger = yogaLogger(log as never);
    const answered = located(new AppError('UPSTREAM_TIMEOUT', 'The agent took too long.'));
    logger.error(answered);
    logger.error('plain message', 42);
    logger.warn('careful');
    logger.debug({ a: 1 }, 'details');
    expect(log.debug).toHaveBeenCalledWith({ err: answered }, 'GraphQL error answered');
    expect(log.error).toHaveBeenCalledTimes(1);
    expect(log.error).toHaveBeenCalledWith('plain message', 42);
    expect(log.warn).toHaveBeenCalledWith('careful');
    expect(log.debug).toHaveBeenCalledWith({ a: 1 }, 'details');
  });
});
