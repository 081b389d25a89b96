import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_TYPE, errorDetails, toAppError } from '../contract/errors.ts';
import { logAnsweredError } from './log-policy.ts';

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    type: string;
    requestId: string;
    approvalCode?: string;
    resetAt?: string;
  };
}

/** `Retry-After` stays a header (the legacy client reads the body's four fields); the rest joins the body. */
export function errorBody(error: AppError, requestId: string): ErrorBody {
  const { retryAfter: _header, ...details } = errorDetails(error);
  return { error: { code: error.code, message: error.message, type: ERROR_TYPE[error.code], requestId, ...details } };
}

/** `Retry-After` (seconds) and, for an exhausted quota, when it resets: the same headers on every HTTP surface. */
export function errorHeaders(error: AppError): Record<string, string> {
  return {
    ...(error.retryAfter !== undefined ? { 'retry-after': String(error.retryAfter) } : {}),
    ...(error.resetAt !== undefined ? { 'x-quota-reset': new Date(error.resetAt).toISOString() } : {}),
  };
}

/** Fastify's own failures (body parsing, limits, routing) in the one error model. */
export function fromFastifyError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  const code = (error as FastifyError).code;
  const status = (error as FastifyError).statusCode;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', `${error.message}. Shrink the attachments or send fewer per message.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('INVALID_INPUT', 'Unsupported Content-Type: send the body as application/json.', {
        status: 415,
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('INVALID_INPUT', 'The request body is empty: send a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('INVALID_INPUT', 'The Content-Length does not match the body.');
  }
  if (error instanceof SyntaxError || code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError('INVALID_INPUT', `The request body is not valid JSON (${error.message}).`);
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError('INVALID_INPUT', error.message, { status });
  }
  return toAppError(error);
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  reply.headers(errorHeaders(error));
  return reply.code(error.status).type('application/json; charset=utf-8').send(errorBody(error, reply.request.id));
}

/** One JSON error shape everywhere; internals (stacks, causes, upstream URLs) only reach the log. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = fromFastifyError(error);
    logAnsweredError(request.log, appError.code, appError.message, appError.code === 'INTERNAL' ? error : undefined);
    return sendError(reply, appError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new AppError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
