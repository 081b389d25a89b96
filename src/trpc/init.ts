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

/** Turns the chat service's AppErrors into TRPCErrors with matching codes (the caller is known: see context.ts). */
export const protectedProcedure = t.procedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) throw toTRPCError(result.error.cause);
  return result;
});

export { TRPCError };
