import { isSdkError } from '@openclaw-minipro/sdk';
import { getClient } from './client';

export type SessionStatus = 'active' | 'pending' | 'blocked';

export interface SessionState {
  status: SessionStatus;
  /** Shown to a pending user so the operator can find them (`admin approve <code>`). */
  approvalCode?: string | null;
}

/** The SDK's sign-in (WeChat `wx.login` → server session), as the identity work defines it. */
interface SignInApi {
  signIn(): Promise<{ status: SessionStatus; approvalCode?: string | null }>;
  me(): Promise<{ status: SessionStatus; approvalCode?: string | null }>;
}

function signInApi(client: object): SignInApi | undefined {
  const candidate = client as Partial<SignInApi>;
  return typeof candidate.signIn === 'function' && typeof candidate.me === 'function'
    ? (client as SignInApi)
    : undefined;
}

/**
 * Signs the user in (or re-reads their status with `refresh`). A server that only takes API keys has no accounts:
 * the configured key is then the whole identity and the user counts as active.
 */
export async function signIn(refresh = false): Promise<SessionState> {
  const api = signInApi(getClient());
  if (!api) return { status: 'active' };
  try {
    const user = refresh ? await api.me() : await api.signIn();
    return { status: user.status, approvalCode: user.approvalCode };
  } catch (error) {
    if (isSdkError(error) && error.code === 'PENDING_APPROVAL') return { status: 'pending' };
    throw error;
  }
}
