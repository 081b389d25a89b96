import type { AccessConfig } from '../config/env.ts';
import type { UserStatus } from '../store/schema.ts';
import type { UserRecord } from '../store/user-store.ts';

/** The status a brand-new user is stored with. */
export function initialStatus(config: AccessConfig): UserStatus {
  return config.policy === 'open' ? 'active' : 'pending';
}

/**
 * What a user may do now. A block always wins; then the operator's approval; then the policy: `open` lets every
 * user in, `allowlist` the openids in ALLOWED_OPENIDS. Computed on every check, so changing the policy or the list
 * takes effect at restart without touching stored users.
 */
export function effectiveStatus(user: Pick<UserRecord, 'status' | 'openid'>, config: AccessConfig): UserStatus {
  if (user.status === 'blocked' || user.status === 'active') return user.status;
  if (config.policy === 'open') return 'active';
  if (config.policy === 'allowlist' && config.allowedOpenids.includes(user.openid)) return 'active';
  return 'pending';
}
