import type { UserDirectory } from '../auth/user-directory.ts';
import type { Admission, Ticket } from '../chat/admission.ts';
import type { Principal } from '../chat/principal.ts';
import type { QuotaConfig } from '../config/env.ts';
import { AppError } from '../contract/errors.ts';
import { Counter, type LimiterBackend } from './limiter.ts';

export interface ChatLimitsOptions {
  backend: LimiterBackend;
  defaults: QuotaConfig;
  /** A signed-in user's concurrent runs (API keys keep the registry's per-key ceiling). */
  maxActiveRunsPerUser: number;
  /** With WeChat sign-in: access policy and per-user overrides. */
  directory?: UserDirectory;
  /** Metrics: which limit refused a turn. */
  onRejected?: (limiter: 'turns_per_minute' | 'tokens_per_day') => void;
  /** Where a failed usage write is reported (the turn itself has already been answered). */
  onError?: (error: unknown) => void;
}

const DAY_MS = 86_400_000;

/** The UTC day a quota counts in, and when it ends. */
export function quotaDay(now = Date.now()): { day: string; resetAt: number } {
  const start = now - (now % DAY_MS);
  return { day: new Date(start).toISOString().slice(0, 10), resetAt: start + DAY_MS };
}

/**
 * Per principal: turns per minute and tokens per UTC day, counted by rate-limiter-flexible in the limiter backend;
 * a user's overrides (admin command) win over the server-wide defaults. The daily quota is checked before a turn
 * and charged after it, so the turn that crosses it completes and the next one is refused.
 */
export class ChatLimits implements Admission {
  readonly #options: ChatLimitsOptions;
  readonly #turns: Counter;
  readonly #tokens: Counter;

  constructor(options: ChatLimitsOptions) {
    this.#options = options;
    this.#turns = new Counter(options.backend, 'turns', 60);
    // A day and then some: the key carries the UTC date, so a row only has to outlive its own day.
    this.#tokens = new Counter(options.backend, 'tokens', 86_400);
  }

  async admit(principal: Principal): Promise<Ticket> {
    if (principal.kind === 'guest') {
      throw new AppError('UNAUTHENTICATED', 'Sign in first (signInWithWechat), or send an API key.');
    }
    const standing = await this.#options.directory?.admit(principal);
    const { defaults } = this.#options;
    const perMinute = standing?.user.requestsPerMinute ?? defaults.requestsPerMinute;
    const perDay = standing?.user.tokensPerDay ?? defaults.tokensPerDay;
    const { day, resetAt } = quotaDay();
    const quotaKey = `${principal.id}:${day}`;
    if (perDay > 0) {
      const { used } = await this.#tokens.usage(quotaKey);
      if (used >= perDay) {
        this.#options.onRejected?.('tokens_per_day');
        throw new AppError(
          'QUOTA_EXCEEDED',
          `The daily quota of ${perDay} tokens is used up; it resets at ${new Date(resetAt).toISOString()}.`,
          { resetAt, retryAfter: Math.max(1, Math.ceil((resetAt - Date.now()) / 1000)) },
        );
      }
    }
    const verdict = await this.#turns.consume(principal.id, perMinute);
    if (!verdict.allowed) {
      this.#options.onRejected?.('turns_per_minute');
      const retryAfter = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      throw new AppError('RATE_LIMITED', `At most ${perMinute} chat turns a minute: retry in ${retryAfter} s.`, {
        retryAfter,
      });
    }
    return {
      refund: () => this.#turns.refund(principal.id).catch((error) => this.#options.onError?.(error)),
      ...(principal.kind === 'user' ? { maxActiveRuns: this.#options.maxActiveRunsPerUser } : {}),
      ...(perDay > 0
        ? {
            settle: (tokens: number) => {
              this.#tokens.add(quotaKey, tokens).catch((error) => this.#options.onError?.(error));
            },
          }
        : {}),
    };
  }

  /** Today's counted tokens for a principal (the admin command shows them). */
  async tokensToday(principalId: string): Promise<number> {
    return (await this.#tokens.usage(`${principalId}:${quotaDay().day}`)).used;
  }
}
