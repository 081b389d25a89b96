import { describe, expect, it } from 'vitest';
import { errorFromFail, errorFromResponse, SdkError } from './errors.ts';

describe('errorFromResponse', () => {
  it('is undefined for a 2xx without errors', () => {
    expect(errorFromResponse(200, { data: {} })).toBeUndefined();
  });

  it('takes the code of the first GraphQL error, whatever the status', () => {
    const body = { errors: [{ message: 'Too big.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] };
    expect(errorFromResponse(200, body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'Too big.', status: 200 });
    expect(errorFromResponse(413, body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('reads the {"error":{code,message}} envelope', () => {
    const error = errorFromResponse(401, { error: { code: 'UNAUTHENTICATED', message: 'No key.' } });
    expect(error).toBeInstanceOf(SdkError);
    expect(error).toMatchObject({ name: 'SdkError', code: 'UNAUTHENTICATED', message: 'No key.', status: 401 });
  });

  it('falls back to the status for bodies it cannot read', () => {
    expect(errorFromResponse(413, undefined)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
    expect(errorFromResponse(429, 'slow down')).toMatchObject({ code: 'RATE_LIMITED' });
    expect(errorFromResponse(500, undefined)).toMatchObject({ code: 'INTERNAL' });
    expect(errorFromResponse(418, undefined)).toMatchObject({ code: 'BAD_RESPONSE' });
  });
});

describe('typed details', () => {
  it('carries retryAfter, approvalCode and resetAt from GraphQL extensions', () => {
    const quota = errorFromResponse(200, {
      errors: [
        {
          message: 'Used up.',
          extensions: { code: 'QUOTA_EXCEEDED', retryAfter: 60, resetAt: '2026-01-02T00:00:00.000Z' },
        },
      ],
    });
    expect(quota).toMatchObject({ code: 'QUOTA_EXCEEDED', retryAfter: 60, resetAt: '2026-01-02T00:00:00.000Z' });
    const pending = errorFromResponse(403, {
      errors: [{ message: 'Wait.', extensions: { code: 'PENDING_APPROVAL', approvalCode: 'ABC234' } }],
    });
    expect(pending).toMatchObject({ code: 'PENDING_APPROVAL', approvalCode: 'ABC234', status: 403 });
  });

  it('reads a bare 403 as FORBIDDEN', () => {
    expect(errorFromResponse(403, undefined)).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('errorFromFail', () => {
  it('maps wx fail messages', () => {
    expect(errorFromFail('request:fail timeout').code).toBe('TIMEOUT');
    expect(errorFromFail('request:fail abort').code).toBe('ABORTED');
    expect(errorFromFail('request:fail net::ERR_CONNECTION_REFUSED').code).toBe('NETWORK_ERROR');
  });
});
