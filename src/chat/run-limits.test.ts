import { describe, expect, it } from 'vitest';
import { runLimits } from './run-limits.ts';

const ceilings = { maxActiveRunsPerPrincipal: 10, maxActiveRunsPerUser: 3 };
const summary = (limits: ReturnType<typeof runLimits>) =>
  limits.map(({ key, max, limiter }) => ({ key, max, limiter }));

describe('runLimits', () => {
  it("counts an end user under its key first, then the key's ceiling", () => {
    expect(summary(runLimits({ principalId: 'key_a', user: 'u1' }, ceilings))).toEqual([
      { key: 'key_a:u1', max: 3, limiter: 'runs_per_user' },
      { key: 'key_a', max: 10, limiter: 'runs_per_key' },
    ]);
    expect(summary(runLimits({ principalId: 'key_a' }, ceilings))).toEqual([
      { key: 'key_a', max: 10, limiter: 'runs_per_key' },
    ]);
  });

  it("takes the lower of a signed-in user's cap and the key-wide ceiling, naming it in the refusal", () => {
    const [own] = runLimits({ principalId: 'user_b', maxActiveRuns: 3 }, ceilings);
    expect(own).toMatchObject({ key: 'user_b', max: 3, limiter: 'runs_per_user' });
    expect(own?.refusal()).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 2, message: /per-user limit/ });
    const [ceiling] = runLimits({ principalId: 'user_b', maxActiveRuns: 30 }, ceilings);
    expect(ceiling).toMatchObject({ max: 10, limiter: 'runs_per_key' });
    expect(ceiling?.refusal().message).toMatch(/per-key limit/);
  });
});
