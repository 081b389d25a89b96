import { AppError } from '../contract/errors.ts';

export type RunLimiterName = 'runs_per_key' | 'runs_per_user';

/** One ceiling a new run must fit under: `key` names what is counted (a principal, or an end user under it). */
export interface RunLimit {
  key: string;
  max: number;
  limiter: RunLimiterName;
  refusal(): AppError;
}

export interface RunCeilings {
  /** The key-wide ceiling (MAX_ACTIVE_RUNS_PER_KEY). */
  maxActiveRunsPerPrincipal: number;
  /** Per end user of a key (a run naming a `user`), MAX_ACTIVE_RUNS_PER_USER. */
  maxActiveRunsPerUser?: number;
}

export interface RunOwner {
  principalId: string;
  /** The input's `user` under a shared key. */
  user?: string | undefined;
  /** The admission's cap for this principal (a signed-in user's MAX_ACTIVE_RUNS_PER_USER). */
  maxActiveRuns?: number | undefined;
}

function busy(what: string): AppError {
  return new AppError('RATE_LIMITED', `${what}; wait for one to finish or cancel it, then retry.`, { retryAfter: 2 });
}

/**
 * The runs-in-flight ceilings of a new run, most specific first: counted in memory by one instance's registry, and
 * in Redis across instances (principal ids never contain `:`, so the keys cannot collide).
 */
export function runLimits(owner: RunOwner, ceilings: RunCeilings): RunLimit[] {
  const limits: RunLimit[] = [];
  const perUser = ceilings.maxActiveRunsPerUser;
  if (owner.user !== undefined && perUser !== undefined) {
    limits.push({
      key: `${owner.principalId}:${owner.user}`,
      max: perUser,
      limiter: 'runs_per_user',
      refusal: () => busy(`This user already has ${perUser} chats in progress (the per-user limit)`),
    });
  }
  const perKey = ceilings.maxActiveRunsPerPrincipal;
  const own = owner.maxActiveRuns;
  limits.push(
    own !== undefined && own <= perKey
      ? {
          key: owner.principalId,
          max: own,
          limiter: 'runs_per_user',
          refusal: () => busy(`You already have ${own} chats in progress (the per-user limit)`),
        }
      : {
          key: owner.principalId,
          max: perKey,
          limiter: 'runs_per_key',
          refusal: () => busy(`This API key already has ${perKey} chats in progress (the per-key limit)`),
        },
  );
  return limits;
}
