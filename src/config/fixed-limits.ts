import { MiB } from '../contract/limits.ts';

/**
 * The limits that are not settings, in one place (the configurable ones have their defaults in env.ts's schema).
 * The README's "Fixed limits" table mirrors this object.
 */
export const FIXED_LIMITS = {
  /** graphql-armor, per operation on every transport. */
  graphql: { maxDepth: 12, maxCost: 2000, maxAliases: 10, maxTokens: 2000, maxDirectives: 20 },
  /** One graphql-ws message (a subscription's input may carry attachments). */
  graphqlWsMaxPayloadBytes: 32 * MiB,
  /** tRPC SSE keep-alive ping (yoga's GraphQL SSE pings every 12 s on its own). */
  trpcPingMs: 15_000,
  /** The OpenClaw gateway's own request body cap: a translated turn must fit in it. */
  gatewayMaxBodyBytes: 20 * MiB,
  /** A gateway `Retry-After` passed on to clients is clamped to this range; `fallback` when it sent none. */
  retryAfterSeconds: { min: 1, max: 300, fallback: 5 },
  /** How much of a gateway error message is scanned for URLs and hosts to strip, and how much a client sees. */
  upstreamMessageScanChars: 2048,
  upstreamMessageChars: 300,
  /** Generated images/files (ws) kept per run; more are dropped and logged. */
  generatedMediaPerRun: 8,
  /** Body of a request without credentials (sign-in, refresh): declared by Content-Length, at most this. */
  guestMaxBodyBytes: 8192,
} as const;
