import { initTRPC, TRPCError } from '@trpc/server';
import { AppError } from '../contract/errors.ts';
import type { TrpcContext } from './context.ts';
import { formatError, toTRPCError } from './errors.ts';

/** No transformer: plain JSON, so any HTTP client can call the procedures. */
export const t = initTRPC.context<TrpcContext>().create({
  sse: { ping: { enabled: true, intervalMs: 15_000 } },
  errorFormatter: formatError,
});

/** Authenticates every call, and turns the chat service's AppErrors into TRPCErrors with matching codes. */
export const protectedProcedure = t.procedure.use(async ({ ctx, next }) => {
  let principal: ReturnType<TrpcContext['authenticate']>;
  try {
    principal = ctx.authenticate(ctx.headers);
  } catch (error) {
    throw error instanceof AppError ? toTRPCError(error) : error;
  }
  const result = await next({ ctx: { principal } });
  if (!result.ok && result.error.cause instanceof AppError) throw toTRPCError(result.error.cause);
  return result;
});

export { TRPCError };
