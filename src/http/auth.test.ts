import fc from 'fast-check';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../chat/principal.ts';
import { AppError } from '../contract/errors.ts';
import { type AuthenticationOptions, createAuthenticator, requireAuthentication } from './auth.ts';

const KEY_A = 'alpha-key-0123456789';
const KEY_B = 'bravo-key-0123456789';

function unauthenticated(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('UNAUTHENTICATED');
    expect((error as AppError).status).toBe(401);
    return error as AppError;
  }
  return expect.fail('authenticated');
}

describe('createAuthenticator', () => {
  const authenticate = createAuthenticator([KEY_A, KEY_B]);

  it('accepts X-Api-Key', () => {
    expect(authenticate({ 'x-api-key': KEY_A }).id).toMatch(/^key_[0-9a-f]{12}$/);
  });

  it.each(['Bearer', 'bearer', 'BEARER', 'BeArEr'])('accepts Authorization: %s <key>', (scheme) => {
    expect(authenticate({ authorization: `${scheme} ${KEY_A}` })).toEqual(authenticate({ 'x-api-key': KEY_A }));
  });

  it('tolerates extra whitespace around the key', () => {
    expect(authenticate({ authorization: `Bearer   ${KEY_A}  ` })).toEqual(authenticate({ 'x-api-key': KEY_A }));
    expect(authenticate({ 'x-api-key': ` ${KEY_B} ` })).toEqual(authenticate({ 'x-api-key': KEY_B }));
  });

  it('principal ids are stable, distinct per key, and do not contain the key', () => {
    const a = authenticate({ 'x-api-key': KEY_A });
    const b = authenticate({ 'x-api-key': KEY_B });
    expect(a.id).not.toBe(b.id);
    expect(createAuthenticator([KEY_B, KEY_A])({ 'x-api-key': KEY_A }).id).toBe(a.id);
    expect(authenticate({ 'x-api-key': KEY_A })).toBe(a);
    expect(a.id).not.toContain(KEY_A);
    expect(a.id).not.toContain('alpha');
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('missing credentials → UNAUTHENTICATED "Missing API key"', () => {
    expect(unauthenticated(() => authenticate({})).message).toContain('Missing API key');
    expect(unauthenticated(() => authenticate({ 'x-api-key': '' })).message).toContain('Missing API key');
    expect(unauthenticated(() => authenticate({ authorization: `Basic ${KEY_A}` })).message).toContain(
      'Missing API key',
    );
    expect(unauthenticated(() => authenticate({ authorization: KEY_A })).message).toContain('Missing API key');
  });

  it('a wrong key → UNAUTHENTICATED "Invalid API key", without echoing it', () => {
    const error = unauthenticated(() => authenticate({ 'x-api-key': 'wrong-key-0123456789' }));
    expect(error.message).toContain('Invalid API key');
    expect(error.message).not.toContain('wrong-key');
    unauthenticated(() => authenticate({ authorization: `Bearer ${KEY_A}x` }));
    unauthenticated(() => authenticate({ authorization: `Bearer ${KEY_A.toUpperCase()}` }));
    unauthenticated(() => authenticate({ authorization: 'Bearer ' }));
  });

  it('property: only the configured keys authenticate', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (candidate) => {
        fc.pre(candidate.trim() !== KEY_A && candidate.trim() !== KEY_B && candidate.trim() !== '');
        expect(() => authenticate({ 'x-api-key': candidate })).toThrow(AppError);
      }),
    );
  });

  it('no keys → anonymous mode for every request', () => {
    const anonymous = createAuthenticator([]);
    expect(anonymous({})).toBe(ANONYMOUS);
    expect(anonymous({ 'x-api-key': 'anything' })).toBe(ANONYMOUS);
    expect(ANONYMOUS.id).toBe('anonymous');
  });
});

describe('requireAuthentication', () => {
  async function scoped(options: Partial<AuthenticationOptions> = {}) {
    const app = Fastify();
    const seen: string[] = [];
    await app.register(async (scope) => {
      requireAuthentication(scope, { authenticate: createAuthenticator([KEY_A]), ...options });
      scope.addContentTypeParser('application/json', (_request, _payload, done) => {
        seen.push('body read');
        done(null, {});
      });
      scope.post('/x', async (request) => ({ principal: request.principal?.id ?? null }));
    });
    return { app, seen };
  }

  it('attaches the principal before the handler, and refuses before the body is read', async () => {
    const { app, seen } = await scoped();
    const ok = await app.inject({ method: 'POST', url: '/x', headers: { 'x-api-key': KEY_A }, payload: {} });
    expect(ok.json().principal).toMatch(/^key_/);
    expect(seen).toEqual(['body read']);
    const refused = await app.inject({ method: 'POST', url: '/x', payload: {} });
    expect(refused.statusCode).toBe(401);
    expect(seen).toEqual(['body read']);
  });

  it('refuse answers in the surface’s own shape; exempt requests pass without a principal', async () => {
    const { app } = await scoped({
      refuse: async (error, _request, reply) => reply.code(error.status).send({ mine: error.code }),
      exempt: (request) => request.headers['x-exempt'] === 'yes',
    });
    expect((await app.inject({ method: 'POST', url: '/x', payload: {} })).json()).toEqual({ mine: 'UNAUTHENTICATED' });
    const exempt = await app.inject({ method: 'POST', url: '/x', headers: { 'x-exempt': 'yes' }, payload: {} });
    expect(exempt.json()).toEqual({ principal: null });
  });
});
