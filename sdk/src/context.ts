import type { Auth } from './auth.ts';
import type { WxLike } from './wx-types.ts';

/** Everything a GraphQL call over `wx.request` needs. */
export interface TransportContext {
  wx: WxLike;
  /** The GraphQL endpoint, e.g. `https://host/graphql`. */
  url: string;
  auth: Auth;
  /** Per-request timeout handed to `wx.request`. */
  timeoutMs: number;
  /** Stream silence that counts as a dead connection. */
  idleTimeoutMs: number;
  /** Consecutive resumes without a new event before a stream gives up. */
  maxResumeAttempts: number;
  /** Wait before the second and later consecutive resume, multiplied by the attempt number. */
  resumeDelayMs: number;
}

export interface GraphQLRequestBody {
  query: string;
  variables: unknown;
  operationName?: string;
}

export interface RequestOptions {
  /** Extra headers for this call. */
  header?: Record<string, string>;
}

export function operationTypeOf(query: string): 'query' | 'mutation' | 'subscription' {
  const match = /^(?:\s|#[^\n\r]*)*(query|mutation|subscription)\b/.exec(query);
  return match ? (match[1] as 'query' | 'mutation' | 'subscription') : 'query';
}

export function operationNameOf(query: string): string | undefined {
  const match = /^(?:\s|#[^\n\r]*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/.exec(query);
  return match ? match[1] : undefined;
}
