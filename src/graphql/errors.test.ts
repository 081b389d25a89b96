import { GraphQLError } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../contract/errors.ts';
import { codeOf, logAnsweredError, maskError, yogaLogger } from './errors.ts';

/** An error as graphql-js hands it over after a resolver threw `cause`. */
const located = (cause: Error) => new GraphQLError(cause.message, { path: ['sendChat'], originalError: cause });

const logSpy = () => ({ info: vi.fn(), error: vi.fn(), warn: vi.fn(), debug: vi.fn() });

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
});

describe('logAnsweredError', () => {
  it('logs client mistakes and chat-service errors at info, with their code', () => {
    const log = logSpy();
    logAnsweredError(log, located(new AppError('INVALID_INPUT', 'The last message must be the user’s turn.')));
    logAnsweredError(log, new GraphQLError('Variable "$i" got invalid value'));
    expect(log.error).not.toHaveBeenCalled();
    expect(log.info.mock.calls).toEqual([
      [{ code: 'INVALID_INPUT' }, 'The last message must be the user’s turn.'],
      [{ code: 'INVALID_INPUT' }, 'Variable "$i" got invalid value'],
    ]);
  });

  it('logs what is masked as INTERNAL at error, with the error itself', () => {
    const log = logSpy();
    const bug = located(new TypeError('x is undefined'));
    logAnsweredError(log, bug);
    expect(log.info).not.toHaveBeenCalled();
    expect(log.error).toHaveBeenCalledWith({ err: bug }, 'Unexpected error in a GraphQL operation');
  });
});

describe('yogaLogger', () => {
  it('routes the error yoga logs after masking through logAnsweredError, and passes everything else on', () => {
    const log = logSpy();
    const logger = yogaLogger(log as never);
    logger.error(located(new AppError('UPSTREAM_TIMEOUT', 'The agent took too long.')));
    logger.error('plain message', 42);
    logger.warn('careful');
    logger.debug({ a: 1 }, 'details');
    expect(log.info).toHaveBeenCalledWith({ code: 'UPSTREAM_TIMEOUT' }, 'The agent took too long.');
    expect(log.error).toHaveBeenCalledWith('plain message', 42);
    expect(log.warn).toHaveBeenCalledWith('careful');
    expect(log.debug).toHaveBeenCalledWith({ a: 1 }, 'details');
  });
});
