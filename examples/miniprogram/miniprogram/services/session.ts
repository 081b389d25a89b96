import { isSdkError, type SessionUser } from '@openclaw-minipro/sdk';
import { getClient } from './client';

export interface SessionState {
  status: SessionUser['status'];
  /** Shown to a pending user so the operator can find them (`npm run admin -- users approve <code>`). */
  approvalCode: string;
}

/**
 * The user's standing with the server. `me()` reuses the session kept in wx storage and signs in with `wx.login`
 * when there is none (or it can no longer be refreshed); `fresh` forces a new sign-in (the error screen's retry).
 */
export async function checkSession(fresh = false): Promise<SessionState> {
  const client = getClient();
  try {
    const user = fresh ? await client.signIn() : await client.me();
    return { status: user.status, approvalCode: user.approvalCode || '' };
  } catch (error) {
    if (isSdkError(error) && error.code === 'PENDING_APPROVAL')
      return { status: 'pending', approvalCode: error.approvalCode || '' };
    // The server refuses a blocked account's sign-in and session with FORBIDDEN.
    if (isSdkError(error) && error.code === 'FORBIDDEN') return { status: 'blocked', approvalCode: '' };
    throw error;
  }
}
