import { isSdkError } from '@openclaw-minipro/sdk';
import { API_KEY } from '../config';
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
 * Signs the user in with WeChat (or re-reads their status with `refresh`). With an API key configured (development
 * against a server without WeChat sign-in) the key is the whole identity and the user counts as active.
 */
export async function signIn(refresh = false): Promise<SessionState> {
  if (API_KEY) return { status: 'active' };
  const api = signInApi(getClient());
  if (!api) throw new Error('This SDK version has no WeChat sign-in.');
  try {
    const user = refresh ? await api.me() : await api.signIn();
    return { status: user.status, approvalCode: user.approvalCode };
  } catch (error) {
    if (isSdkError(error) && error.code === 'PENDING_APPROVAL') return { status: 'pending' };
    throw error;
  }
}
