/** Signing users in against the fake WeChat API, for tests that need callers with their own identity. */
import { expect } from 'vitest';
import { type GqlResponse, gql } from './fixtures.ts';
import type { TestServer } from './server.ts';

export interface TestSession {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  user: { id: string; status: 'active' | 'pending' | 'blocked'; approvalCode: string | null };
}

const SESSION_FIELDS = 'accessToken expiresIn refreshToken user { id status approvalCode }';
export const SIGN_IN = `mutation($code: String!) { signInWithWechat(code: $code) { ${SESSION_FIELDS} } }`;
export const REFRESH = `mutation($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { ${SESSION_FIELDS} } }`;
export const ME = 'query { me { id status approvalCode } }';
export const SIGN_OUT = 'mutation { signOut }';

let codes = 0;
/** A fresh wx.login code for this user (the fake maps `code-<name>-<n>` to openid `o_<name>`). */
export const codeFor = (name: string) => `code-${name}-${++codes}`;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** GraphQL as a signed-in user (or a guest with no token). */
export function gqlAs<T = Record<string, unknown>>(
  server: TestServer,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlResponse<T>> {
  return gql<T>(server.baseUrl, query, variables, { headers: token ? bearer(token) : {} });
}

/** Signs `name` in through GraphQL with a fresh code; fails the test on any error. */
export async function signIn(server: TestServer, name: string): Promise<TestSession> {
  const response = await gqlAs<{ signInWithWechat: TestSession }>(server, undefined, SIGN_IN, { code: codeFor(name) });
  expect(response.errors).toBeUndefined();
  return response.data?.signInWithWechat as TestSession;
}

/** Approves a user the way the admin command does (through the store), then waits out no cache: tests run TTL 0. */
export async function approve(server: TestServer, userId: string): Promise<void> {
  const users = server.app.users;
  if (!users) throw new Error('the server has no WeChat sign-in');
  expect(await users.setStatus(userId, 'active')).toBe(true);
}
