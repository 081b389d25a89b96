import { initTRPC, TRPCError } from '@trpc/server';
import { FIXED_LIMITS } from '../config/fixed-limits.ts';
import { AppError } from '../contract/errors.ts';
import type { TrpcContext } from './context.ts';
import { formatError, toTRPCError } from './errors.ts';

/** No transformer: plain JSON, so any HTTP client can call the procedures. */
export const t = initTRPC.context<TrpcContext>().create({
  sse: { ping: { enabled: true, intervalMs: FIXED_LIMITS.trpcPingMs } },
  errorFormatter: formatError,
});

/** Turns the service's AppErrors into TRPCErrors with matching codes (public: sign-in and refresh). */
export const publicProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) throw toTRPCError(result.error.cause);
  return result;
});

/** publicProcedure for a known caller (see context.ts): a guest (no credentials) is refused. */
export const protectedProcedure = t.procedure.use(async ({ ctx, next }) => {
  if (ctx.principal.kind === 'guest') {
    throw toTRPCError(
      new AppError('UNAUTHENTICATED', 'Sign in first: send Authorization: Bearer <accessToken>, or an API key.'),
    );
  }
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) throw toTRPCError(result.error.cause);
  return result;
});

export { TRPCError };
