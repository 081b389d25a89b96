import { describe, expect, it } from 'vitest';
import type { AccessConfig } from '../config/env.ts';
import { effectiveStatus, initialStatus } from './access-policy.ts';

const config = (policy: AccessConfig['policy'], allowedOpenids: string[] = []): AccessConfig => ({
  policy,
  allowedOpenids,
  cacheTtlMs: 0,
});

describe('access policy', () => {
  it('creates users pending unless the policy is open', () => {
    expect(initialStatus(config('approval'))).toBe('pending');
    expect(initialStatus(config('allowlist'))).toBe('pending');
    expect(initialStatus(config('open'))).toBe('active');
  });

  it('lets a pending user in by policy: open always, allowlist by openid, approval never', () => {
    const user = { status: 'pending' as const, openid: 'o_1' };
    expect(effectiveStatus(user, config('approval', ['o_1']))).toBe('pending');
    expect(effectiveStatus(user, config('allowlist', ['o_1']))).toBe('active');
    expect(effectiveStatus(user, config('allowlist', ['o_2']))).toBe('pending');
    expect(effectiveStatus(user, config('open'))).toBe('active');
  });

  it('never lets a block be overridden by the policy', () => {
    const user = { status: 'blocked' as const, openid: 'o_1' };
    expect(effectiveStatus(user, config('open'))).toBe('blocked');
    expect(effectiveStatus(user, config('allowlist', ['o_1']))).toBe('blocked');
  });
});
