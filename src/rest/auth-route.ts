import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuthService } from '../auth/auth-service.ts';
import { FIXED_LIMITS } from '../config/fixed-limits.ts';
import { parseInput } from '../contract/validation.ts';

const SignInBody = z.object({ code: z.string().min(1).max(128) });
const RefreshBody = z.object({ refreshToken: z.string().min(1).max(128) });

/**
 * `POST /api/auth/wechat {code}` and `POST /api/auth/refresh {refreshToken}`: the AuthSession JSON GraphQL answers.
 * No credentials needed (that is what they hand out); bodies are tiny, and sign-in is rate-limited per IP.
 */
export function registerRestAuth(app: FastifyInstance, auth: AuthService): void {
  const options = { bodyLimit: FIXED_LIMITS.guestMaxBodyBytes };
  app.post('/api/auth/wechat', options, async (request) => {
    const { code } = parseInput(SignInBody, request.body);
    return auth.signInWithWechat(code, request.ip);
  });
  app.post('/api/auth/refresh', options, async (request) => {
    const { refreshToken } = parseInput(RefreshBody, request.body);
    return auth.refresh(refreshToken, request.ip);
  });
}
