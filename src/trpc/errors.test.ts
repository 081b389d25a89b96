import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CODES, HTTP_STATUS } from '../contract/errors.ts';
import { appCodeOf, formatError, retryAfterOf, toTRPCError } from './errors.ts';

describe('toTRPCError', () => {
  it.each(ERROR_CODES)('%s answers with the same HTTP status as on every other surface', (code) => {
    const error = toTRPCError(new AppError(code, 'm'));
    expect(getHTTPStatusCodeFromError(error)).toBe(HTTP_STATUS[code]);
    expect(appCodeOf(error)).toBe(code);
    expect(error.message).toBe('m');
  });

  it.each([
    ['UPSTREAM_UNAVAILABLE', 502],
    ['INVALID_INPUT', 415],
  ] as const)('keeps an overridden status: %s with %i', (code, status) => {
    const error = toTRPCError(new AppError(code, 'm', { status }));
    expect(getHTTPStatusCodeFromError(error)).toBe(status);
    expect(appCodeOf(error)).toBe(code);
  });
});

describe('retryAfterOf', () => {
  it('is the longest Retry-After among the errors, none without one', () => {
    const limited = (retryAfter: number) => toTRPCError(new AppError('RATE_LIMITED', 'm', { retryAfter }));
    expect(retryAfterOf([limited(3), toTRPCError(new AppError('NOT_FOUND', 'm')), limited(7)])).toBe(7);
    expect(retryAfterOf([new TRPCError({ code: 'BAD_REQUEST' })])).toBeUndefined();
    expect(retryAfterOf([])).toBeUndefined();
  });
});

describe('appCodeOf, for errors tRPC raised itself', () => {
  it.each([
    ['BAD_REQUEST', 'INVALID_INPUT'],
    ['PARSE_ERROR', 'INVALID_INPUT'],
    ['METHOD_NOT_SUPPORTED', 'INVALID_INPUT'],
    ['UNAUTHORIZED', 'UNAUTHENTICATED'],
    ['NOT_FOUND', 'NOT_FOUND'],
    ['PAYLOAD_TOO_LARGE', 'PAYLOAD_TOO_LARGE'],
    ['INTERNAL_SERVER_ERROR', 'INTERNAL'],
  ] as const)('%s is %s', (trpcCode, appCode) => {
    expect(appCodeOf(new TRPCError({ code: trpcCode }))).toBe(appCode);
  });
});

describe('formatError', () => {
  const shape = (error: TRPCError) => ({
    message: error.message,
    code: -32600 as const,
    data: { code: error.code, httpStatus: 400, stack: 'at x' },
  });
  const badJson = () => {
    try {
      JSON.parse('{"messages":');
    } catch (cause) {
      return new TRPCError({ code: 'BAD_REQUEST', message: (cause as Error).message, cause });
    }
    throw new Error('unreachable');
  };

  it('words malformed JSON as the other surfaces do, keeping the parser detail', () => {
    const error = badJson();
    const formatted = formatError({ shape: shape(error), error, type: 'mutation' });
    expect(formatted.message).toMatch(/^The request body is not valid JSON \(.+\)\.$/);
    expect(formatted.data).toMatchObject({ appCode: 'INVALID_INPUT', stack: undefined });
  });

  it('names the `input` query parameter for a subscription', () => {
    const error = badJson();
    expect(formatError({ shape: shape(error), error, type: 'subscription' }).message).toMatch(
      /^The `input` query parameter is not valid JSON/,
    );
  });

  it('leaves a SyntaxError from a bug alone (INTERNAL, tRPC’s message)', () => {
    const error = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new SyntaxError('oops') });
    const formatted = formatError({ shape: shape(error), error, type: 'mutation' });
    expect(formatted.message).toBe(error.message);
    expect(formatted.data.appCode).toBe('INTERNAL');
  });
});
