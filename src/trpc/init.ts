import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { AppError } from '../contract/errors.ts';
import { describeZodError } from '../contract/validation.ts';
import type { TrpcContext } from './context.ts';
import { appCodeOf, toTRPCError } from './errors.ts';

/** No transformer: plain JSON, so any HTTP client can call the procedures. */
export const t = initTRPC.context<TrpcContext>().create({
  sse: { ping: { enabled: true, intervalMs: 15_000 } },
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    message: error.cause instanceof ZodError ? describeZodError(error.cause) : shape.message,
    data: { ...shape.data, appCode: appCodeOf(error), stack: undefined },
  }),
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
