import type { FastifyBaseLogger } from 'fastify';

export type ErrorLog = Pick<FastifyBaseLogger, 'info' | 'error'>;

/**
 * The one policy for errors a caller is answered with, on every surface: a bug (INTERNAL) at error level with its
 * stack, everything else (client mistakes, limits, upstream failures) at info with its code, plus the upstream cause
 * when there is one, for the operator. Log with the request's logger so the line carries its request id.
 */
export function logAnsweredError(
  log: ErrorLog,
  code: string,
  message: string,
  error?: unknown,
  fields: Record<string, unknown> = {},
): void {
  if (code === 'INTERNAL') log.error({ ...fields, err: error }, message);
  else if (error instanceof Error && error.cause !== undefined)
    log.info({ ...fields, code, err: error.cause }, message);
  else log.info({ ...fields, code }, message);
}
