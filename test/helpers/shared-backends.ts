import { type FakeGateway, startFakeGateway } from '../fake-gateway/fake-gateway.ts';
import { freshDatabase, type TestDatabase } from './databases.ts';
import { dropPrefix, redisUrl, uniquePrefix } from './redis.ts';

/** What several server instances share in the scale-out suites: the gateway, one PostgreSQL database, one Redis. */
export interface SharedBackends {
  gateway: FakeGateway;
  database: TestDatabase;
  /** This suite's Redis key prefix (other suites share the Redis server). */
  prefix: string;
  /** The environment every instance starts with: `apiKeys`, the fake gateway over http, the database, Redis. */
  env(extra?: Record<string, string>): Record<string, string>;
  close(): Promise<void>;
}

export async function startSharedBackends(options: { apiKeys: string; deltaDelayMs: number }): Promise<SharedBackends> {
  const gateway = await startFakeGateway({ token: 'fake-token', deltaDelayMs: options.deltaDelayMs });
  const database = await freshDatabase('postgres');
  const prefix = uniquePrefix();
  return {
    gateway,
    database,
    prefix,
    env: (extra = {}) => ({
      API_KEYS: options.apiKeys,
      OPENCLAW_GATEWAY_URL: gateway.url,
      OPENCLAW_GATEWAY_TOKEN: 'fake-token',
      OPENCLAW_TRANSPORT: 'http',
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl ?? '',
      REDIS_KEY_PREFIX: prefix,
      ...extra,
    }),
    async close() {
      await gateway.close();
      await database.drop();
      await dropPrefix(prefix);
    },
  };
}
