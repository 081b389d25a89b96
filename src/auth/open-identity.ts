import type { Config } from '../config/env.ts';
import type { Authenticate } from '../http/auth.ts';
import { Counter, type LimiterBackend } from '../limits/limiter.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Database } from '../store/database.ts';
import { SessionStore } from '../store/session-store.ts';
import { UserStore } from '../store/user-store.ts';
import { createCode2Session } from '../wechat/code2session.ts';
import { AuthService } from './auth-service.ts';
import { createCallerAuthenticator } from './authenticator.ts';
import { type AccessTokens, createAccessTokens } from './tokens.ts';
import { UserDirectory } from './user-directory.ts';

export interface Identity {
  directory: UserDirectory;
  tokens: AccessTokens;
  auth: AuthService;
  close(): Promise<void>;
}

/**
 * WeChat sign-in over the store: users, sessions, tokens, the code2Session client. Undefined when sign-in is not
 * configured (WECHAT_APPID…) or there is no store to keep users in.
 */
export function openIdentity(
  config: Pick<Config, 'wechat' | 'access'>,
  database: Database | undefined,
  backend: LimiterBackend,
  metrics: Pick<Metrics, 'limiterRejected'>,
): Identity | undefined {
  const { wechat } = config;
  if (!wechat || !database) return undefined;
  const directory = new UserDirectory(new UserStore(database), new SessionStore(database), config.access);
  const tokens = createAccessTokens(wechat.authSecret, wechat.accessTtlSeconds);
  const code2Session = createCode2Session(wechat);
  const auth = new AuthService({
    code2Session,
    directory,
    tokens,
    accessTtlSeconds: wechat.accessTtlSeconds,
    refreshTtlSeconds: wechat.refreshTtlSeconds,
    signInLimit: {
      counter: new Counter(backend, 'signin', 60),
      perMinute: wechat.signInPerMinute,
      onRejected: () => metrics.limiterRejected('signin_per_minute'),
    },
  });
  // Ended session families (and their refresh-token hashes, by cascade) are deleted hourly.
  const sweeper = setInterval(() => {
    directory.sessions.sweepExpired().catch(() => {});
  }, 3_600_000);
  sweeper.unref();
  return {
    directory,
    tokens,
    auth,
    async close() {
      clearInterval(sweeper);
      await code2Session.close();
    },
  };
}

/** Who a request is: an API key, a signed-in user's access token (with sign-in), or anonymous when allowed. */
export function callerAuthenticator(
  config: Pick<Config, 'apiKeys' | 'allowAnonymous'>,
  identity: Identity | undefined,
): Authenticate {
  return createCallerAuthenticator({
    apiKeys: config.apiKeys,
    allowAnonymous: config.allowAnonymous,
    ...(identity ? { sessions: { tokens: identity.tokens, directory: identity.directory } } : {}),
  });
}
