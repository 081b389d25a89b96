import { z } from 'zod';
import type { AuthService } from '../auth/auth-service.ts';
import { AppError } from '../contract/errors.ts';
import type { TrpcContext } from './context.ts';
import { protectedProcedure, publicProcedure, t } from './init.ts';

function authOf(ctx: TrpcContext): AuthService {
  if (!ctx.auth) throw new AppError('NOT_FOUND', 'WeChat sign-in is not configured on this server (WECHAT_APPID).');
  return ctx.auth;
}

/** GraphQL's signInWithWechat, refreshSession, signOut and me, with the same answers. */
export const authRouter = t.router({
  signInWithWechat: publicProcedure
    .input(z.object({ code: z.string().min(1).max(128) }))
    .mutation(({ ctx, input }) => authOf(ctx).signInWithWechat(input.code, ctx.clientIp)),
  refresh: publicProcedure
    .input(z.object({ refreshToken: z.string().min(1).max(128) }))
    .mutation(({ ctx, input }) => authOf(ctx).refresh(input.refreshToken, ctx.clientIp)),
  signOut: protectedProcedure.mutation(({ ctx }) => authOf(ctx).signOut(ctx.principal)),
  me: protectedProcedure.query(({ ctx }) =>
    ctx.auth ? ctx.auth.me(ctx.principal) : { id: ctx.principal.id, status: 'active' as const, approvalCode: null },
  ),
});
