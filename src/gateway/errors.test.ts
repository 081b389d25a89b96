import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { AppError } from '../contract/errors.ts';
import {
  gatewayErrorMessage,
  inBandFailure,
  MAX_SCANNED_MESSAGE,
  mapTransportError,
  mapUpstreamStatus,
  sanitizeUpstreamMessage,
  streamCut,
  UpstreamHttpError,
} from './errors.ts';

const envelope = (message: string, type = 'invalid_request_error') => ({ error: { message, type } });

describe('mapUpstreamStatus', () => {
  it('400: the gateway message passes through as UPSTREAM_REJECTED 400', () => {
    const error = mapUpstreamStatus(
      400,
      envelope('Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.'),
      '/v1/chat/completions',
    );
    expect(error).toBeInstanceOf(UpstreamHttpError);
    expect(error).toBeInstanceOf(AppError);
    expect(error.code).toBe('UPSTREAM_REJECTED');
    expect(error.status).toBe(400);
    expect(error.upstreamStatus).toBe(400);
    expect(error.message).toBe(
      'OpenClaw rejected the request: Invalid `model`. Use `openclaw` or `openclaw/<agentId>`.',
    );
  });

  it('400 "invalid request" (opaque responses attachment failure) gets an attachment hint', () => {
    const error = mapUpstreamStatus(400, envelope('invalid request'), '/v1/responses');
    expect(error.code).toBe('UPSTREAM_REJECTED');
    expect(error.message).toBe(
      'OpenClaw rejected the request: The gateway rejected an attachment (its reason is only in the gateway log); check type, size and encoding.',
    );
  });

  it('400 without a readable body names the status', () => {
    const error = mapUpstreamStatus(400, undefined, '/v1/chat/completions');
    expect(error.message).toBe('OpenClaw rejected the request: The gateway rejected the request (HTTP 400).');
  });

  it('400 sanitizes the gateway message', () => {
    const error = mapUpstreamStatus(400, envelope('fetch failed: https://10.1.2.3/secret'), '/v1/responses');
    expect(error.message).toBe('OpenClaw rejected the request: fetch failed: <url>');
  });

  it.each([401, 403])('%i → UPSTREAM_AUTH with status 502 (never the app user’s 401)', (status) => {
    const error = mapUpstreamStatus(
      status,
      { error: { message: 'Unauthorized', type: 'unauthorized' } },
      '/v1/responses',
    );
    expect(error.code).toBe('UPSTREAM_AUTH');
    expect(error.status).toBe(502);
    expect(error.upstreamStatus).toBe(status);
    expect(error.message).toContain('OPENCLAW_GATEWAY_TOKEN');
  });

  it('404 on chat completions → UPSTREAM_UNAVAILABLE 502 naming the chatCompletions flag', () => {
    const error = mapUpstreamStatus(404, 'Not Found', '/v1/chat/completions');
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.status).toBe(502);
    expect(error.message).toContain('gateway.http.endpoints.chatCompletions.enabled');
  });

  it('404 on responses → names the responses flag', () => {
    const error = mapUpstreamStatus(404, undefined, '/v1/responses');
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.status).toBe(502);
    expect(error.message).toContain('gateway.http.endpoints.responses.enabled');
    expect(error.message).not.toContain('chatCompletions');
  });

  it('413 → PAYLOAD_TOO_LARGE 413', () => {
    const error = mapUpstreamStatus(413, envelope('Payload too large'), '/v1/responses');
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.status).toBe(413);
  });

  it('429 with Retry-After seconds → RATE_LIMITED with retryAfter', () => {
    const error = mapUpstreamStatus(429, { error: { type: 'rate_limited' } }, '/v1/chat/completions', '300');
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(300);
    expect(error.message).toBe('The gateway is rate limiting requests; retry in 300 s.');
  });

  it('429 with fractional seconds rounds up', () => {
    expect(mapUpstreamStatus(429, undefined, '/v1/responses', '1.2').retryAfter).toBe(2);
  });

  it('429 without (or with garbage) Retry-After defaults to 5 s', () => {
    expect(mapUpstreamStatus(429, undefined, '/v1/responses').retryAfter).toBe(5);
    expect(mapUpstreamStatus(429, undefined, '/v1/responses', 'soon').retryAfter).toBe(5);
  });

  it('a Retry-After passed on to clients is clamped to 1–300 s', () => {
    const retryAfter = (header: string) => mapUpstreamStatus(429, undefined, '/v1/responses', header).retryAfter;
    expect(retryAfter('0')).toBe(1);
    expect(retryAfter('86400')).toBe(300);
    expect(retryAfter('1e300')).toBe(300);
    expect(retryAfter(new Date(Date.now() + 7 * 86_400_000).toUTCString())).toBe(300);
    expect(retryAfter(new Date(Date.now() - 60_000).toUTCString())).toBe(1);
    expect(retryAfter(`${'9'.repeat(100)}`)).toBe(5);
    expect(mapUpstreamStatus(429, undefined, '/v1/responses', '86400').message).toContain('retry in 300 s');
  });

  it('a huge gateway message is scanned by the regexes only up to a cap; URLs and hosts still removed', () => {
    const scanned: number[] = [];
    const replace = String.prototype.replace;
    const spy = vi.spyOn(String.prototype, 'replace').mockImplementation(function (this: string, ...args) {
      scanned.push(this.length);
      return replace.apply(this, args as Parameters<typeof replace>);
    });
    try {
      expect(sanitizeUpstreamMessage('a.'.repeat(500_000)).length).toBeLessThanOrEqual(301);
    } finally {
      spy.mockRestore();
    }
    expect(scanned.length).toBeGreaterThan(0);
    expect(Math.max(...scanned)).toBeLessThanOrEqual(MAX_SCANNED_MESSAGE);
    expect(sanitizeUpstreamMessage(`failed to fetch http://10.0.0.1/x ${'z'.repeat(1_000_000)}`)).toMatch(
      /^failed to fetch <url> z+…$/,
    );
  });

  it('408 → UPSTREAM_TIMEOUT', () => {
    expect(mapUpstreamStatus(408, envelope('Request body timeout'), '/v1/responses').code).toBe('UPSTREAM_TIMEOUT');
  });

  it.each([500, 502, 503])('%i → UPSTREAM_FAILED 502 with the sanitized detail', (status) => {
    const error = mapUpstreamStatus(status, envelope('upstream provider error', 'api_error'), '/v1/chat/completions');
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.status).toBe(502);
    expect(error.upstreamStatus).toBe(status);
    expect(error.message).toBe('The agent failed to answer (upstream provider error). Try again later.');
  });

  it('500 with no body', () => {
    expect(mapUpstreamStatus(500, undefined, '/v1/responses').message).toBe(
      'The agent failed to answer. Try again later.',
    );
  });

  it('504 → UPSTREAM_TIMEOUT 504', () => {
    const error = mapUpstreamStatus(504, envelope('upstream provider timeout', 'api_error'), '/v1/chat/completions');
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(error.status).toBe(504);
  });

  it('property: every 4xx/5xx maps to an UpstreamHttpError that keeps the status', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }),
        fc.constantFrom('/v1/chat/completions' as const, '/v1/responses' as const),
        (status, endpoint) => {
          const error = mapUpstreamStatus(status, undefined, endpoint);
          expect(error).toBeInstanceOf(UpstreamHttpError);
          expect(error.upstreamStatus).toBe(status);
          expect(error.status).toBeGreaterThanOrEqual(400);
          expect(error.code).not.toBe('UNAUTHENTICATED');
        },
      ),
    );
  });
});

describe('sanitizeUpstreamMessage', () => {
  it('removes URLs', () => {
    expect(sanitizeUpstreamMessage('failed to fetch https://internal.example.com:8443/a?token=x now')).toBe(
      'failed to fetch <url> now',
    );
    expect(sanitizeUpstreamMessage('see ws://h/x and file:///etc/passwd')).toBe('see <url> and <url>');
  });

  it('removes IPv4 addresses with or without a port', () => {
    expect(sanitizeUpstreamMessage('connect ECONNREFUSED 127.0.0.1:18789')).toBe('connect ECONNREFUSED <host>');
    expect(sanitizeUpstreamMessage('blocked 169.254.169.254 (metadata)')).toBe('blocked <host> (metadata)');
  });

  it('redacts bearer tokens, case-insensitively', () => {
    expect(sanitizeUpstreamMessage('header Authorization: Bearer sk-abc.DEF_123 rejected')).toBe(
      'header Authorization: Bearer <redacted> rejected',
    );
    expect(sanitizeUpstreamMessage('bearer    secret-token')).toBe('Bearer <redacted>');
  });

  it('redacts a token even when "Bearer" is repeated (a token configured with its scheme)', () => {
    const out = sanitizeUpstreamMessage('bad header: Bearer Bearer sk-live-0123456789');
    expect(out).not.toContain('sk-live-0123456789');
  });

  it('returns "" for non-strings and blank strings', () => {
    expect(sanitizeUpstreamMessage(undefined)).toBe('');
    expect(sanitizeUpstreamMessage(42)).toBe('');
    expect(sanitizeUpstreamMessage({ message: 'x' })).toBe('');
    expect(sanitizeUpstreamMessage('   ')).toBe('');
  });

  it('caps length at 300 characters plus an ellipsis', () => {
    const out = sanitizeUpstreamMessage('x'.repeat(1000));
    expect(out).toBe(`${'x'.repeat(300)}…`);
  });

  it('leaves ordinary messages alone', () => {
    expect(sanitizeUpstreamMessage("Unknown agent 'main2'.")).toBe("Unknown agent 'main2'.");
  });

  it('property: an embedded token, IP or URL never survives', () => {
    const words = fc.string({ unit: fc.constantFrom('a', 'b', ' ', ',', '。', '错'), maxLength: 30 });
    const token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{12,40}$/).map((t) => `tok${t}`);
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    fc.assert(
      fc.property(words, token, ip, words, (before, secret, address, after) => {
        const out = sanitizeUpstreamMessage(
          `${before} Bearer ${secret} ${after} host ${address}:443 url https://${address}/${secret}`,
        );
        expect(out).not.toContain(secret);
        expect(out).not.toContain(`${address}`);
      }),
    );
  });
});

describe('gatewayErrorMessage', () => {
  it('reads the envelope message, a string error, or nothing', () => {
    expect(gatewayErrorMessage(envelope('Missing user message in `messages`.'))).toBe(
      'Missing user message in `messages`.',
    );
    expect(gatewayErrorMessage({ error: 'plain' })).toBe('plain');
    expect(gatewayErrorMessage('Not Found')).toBe('');
    expect(gatewayErrorMessage(null)).toBe('');
  });
});

describe('in-band failures', () => {
  it('inBandFailure is UPSTREAM_FAILED 502 with the detail', () => {
    const error = inBandFailure({ code: 'api_error', message: 'upstream provider error' });
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.status).toBe(502);
    expect(error.message).toBe('The agent failed to answer (upstream provider error). Try again later.');
    expect(inBandFailure(undefined).message).toBe('The agent failed to answer. Try again later.');
  });

  it('streamCut is UPSTREAM_FAILED', () => {
    expect(streamCut().code).toBe('UPSTREAM_FAILED');
  });
});

describe('mapTransportError', () => {
  it('a socket closed after the request was sent (UND_ERR_SOCKET) → UPSTREAM_FAILED 502', () => {
    const error = mapTransportError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }));
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.status).toBe(502);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', undefined])(
    'connection failure (%s) → UPSTREAM_UNAVAILABLE 503 keeping the cause',
    (code) => {
      const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:18789'), { code });
      const error = mapTransportError(cause);
      expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(error.status).toBe(503);
      expect(error.cause).toBe(cause);
      expect(error.message).not.toContain('127.0.0.1');
    },
  );

  it.each(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])(
    'undici %s → UPSTREAM_TIMEOUT 504',
    (code) => {
      const error = mapTransportError(Object.assign(new Error('timeout'), { code }));
      expect(error.code).toBe('UPSTREAM_TIMEOUT');
      expect(error.status).toBe(504);
    },
  );

  it('an AbortSignal.timeout reason (TimeoutError) → UPSTREAM_TIMEOUT', () => {
    const error = mapTransportError(new DOMException('The operation timed out.', 'TimeoutError'));
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
  });

  it('an AppError passes through unchanged', () => {
    const original = new AppError('CANCELLED', 'The run was cancelled.');
    expect(mapTransportError(original)).toBe(original);
  });

  it('non-Error values do not crash', () => {
    expect(mapTransportError(null).code).toBe('UPSTREAM_UNAVAILABLE');
    expect(mapTransportError('boom').code).toBe('UPSTREAM_UNAVAILABLE');
  });
});
