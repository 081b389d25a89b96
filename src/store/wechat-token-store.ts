import type { SharedToken, TokenCache } from '../wechat/token-cache.ts';
import type { Database } from './database.ts';

/** The access token in the store, so instances sharing the database share one token. */
export class WechatTokenStore implements TokenCache {
  readonly #db;

  constructor(database: Database) {
    this.#db = database.db;
  }

  async get(appId: string): Promise<SharedToken | undefined> {
    const row = await this.#db
      .selectFrom('wechat_tokens')
      .select(['access_token', 'expires_at', 'renew_at'])
      .where('app_id', '=', appId)
      .executeTakeFirst();
    return row && { token: row.access_token, expiresAt: Number(row.expires_at), renewAt: Number(row.renew_at) };
  }

  async put(appId: string, token: SharedToken): Promise<void> {
    const values = {
      access_token: token.token,
      expires_at: token.expiresAt,
      renew_at: token.renewAt,
      updated_at: Date.now(),
    };
    await this.#db
      .insertInto('wechat_tokens')
      .values({ app_id: appId, ...values })
      .onConflict((oc) => oc.column('app_id').doUpdateSet(values))
      .execute();
  }

  async invalidate(appId: string, token: string): Promise<void> {
    await this.#db.deleteFrom('wechat_tokens').where('app_id', '=', appId).where('access_token', '=', token).execute();
  }
}
