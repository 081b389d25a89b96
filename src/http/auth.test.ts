import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../chat/principal.ts';
import { AppError } from '../contract/errors.ts';
import { createAuthenticator } from './auth.ts';

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
