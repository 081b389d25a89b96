/** The one error model's codes, shared by every surface (REST, GraphQL, tRPC) and the SDK (hence no dependencies). */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'FORBIDDEN',
  'PENDING_APPROVAL',
  'NOT_FOUND',
  'CANCELLED',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'CONTENT_REJECTED',
  'UPSTREAM_REJECTED',
  'UPSTREAM_AUTH',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_FAILED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
