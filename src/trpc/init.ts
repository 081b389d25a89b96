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

/** Turns the chat service's AppErrors into TRPCErrors with matching codes (the caller is known: see context.ts). */
export const protectedProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) throw toTRPCError(result.error.cause);
  return result;
});

export { TRPCError };
