import { AppError } from '../../contract/errors.ts';
import { sanitizeUpstreamMessage } from '../errors.ts';

/** A failed RPC (a gateway error answer, a local timeout, a lost socket) in the error model. */
export function mapRequestError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { gatewayCode?: unknown; code?: unknown }).gatewayCode;
  const message = sanitizeUpstreamMessage((error as Error)?.message);
  if ((error as { code?: unknown }).code === 'CLIENT_TIMEOUT') {
    return new AppError('UPSTREAM_TIMEOUT', 'The agent gateway did not answer in time.', { cause: error });
  }
  if (code === 'INVALID_REQUEST' && /exceeds size limit/.test(message)) {
    return new AppError('PAYLOAD_TOO_LARGE', `The agent gateway refused an attachment: ${message}`, { cause: error });
  }
  if (code === 'INVALID_REQUEST') {
    return new AppError('UPSTREAM_REJECTED', `The agent gateway refused the request: ${message}`, { cause: error });
  }
  if (code === 'FORBIDDEN' || code === 'UNAUTHORIZED') {
    return new AppError('UPSTREAM_AUTH', 'The agent gateway refused this server’s credentials.', { cause: error });
  }
  if (typeof code === 'string') {
    return new AppError('UPSTREAM_FAILED', `The agent gateway failed: ${message}`, { cause: error });
  }
  return new AppError('UPSTREAM_UNAVAILABLE', 'The connection to the agent gateway was lost; try again.', {
    cause: error,
  });
}
