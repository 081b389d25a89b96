import { type DeviceIdentity, GatewayClient, type GatewayClientHostDeps } from '@openclaw/gateway-client';
import { PROTOCOL_VERSION } from '@openclaw/gateway-protocol/version';
import { AppError } from '../../contract/errors.ts';
import type { ReadyState } from '../client.ts';
import { runIdOf } from './run-events.ts';

/** chat.send needs write; chat.history, agent.wait and artifacts.* need read. */
export const REQUIRED_SCOPES = ['operator.read', 'operator.write'] as const;

/** What hello-ok told us the gateway accepts (its documented defaults until we hear otherwise). */
export interface WsPolicy {
  maxPayload: number;
  maxImageBytes: number;
  maxFileBytes: number;
}

export const DEFAULT_WS_POLICY: WsPolicy = {
  maxPayload: 26_214_400,
  maxImageBytes: 6_291_456,
  maxFileBytes: 19_464_192,
};

export type RunSignal =
  | { kind: 'event'; event: string; payload: unknown }
  | { kind: 'closed' }
  | { kind: 'reconnected' };

export interface WsConnectionOptions {
  /** http(s) or ws(s) URL of the gateway. */
  url: string;
  token: string | undefined;
  requestTimeoutMs: number;
  /** Device identity and token storage (off loopback); absent on loopback, where the token suffices. */
  hostDeps?: GatewayClientHostDeps;
  deviceIdentity?: DeviceIdentity;
  log?: { warn(message: string): void; error(message: string): void };
}

type State =
  | { phase: 'connecting' }
  | { phase: 'ready' }
  | { phase: 'down'; reason: string }
  | { phase: 'fatal'; error: AppError; readyReason: string };

function wsUrl(url: string): string {
  return url.replace(/^http(s?):/, 'ws$1:');
}

function pairingError(details: Record<string, unknown>): AppError {
  const requestId = typeof details.requestId === 'string' ? details.requestId : '<request id>';
  return new AppError(
    'UPSTREAM_AUTH',
    `The gateway requires this server's device to be paired. Approve it on the gateway host with: openclaw devices approve ${requestId}`,
  );
}

/**
 * The one shared WebSocket to the gateway (OpenClaw's own client: challenge auth, reconnect with backoff).
 * Events are routed to the run that registered their runId; every other run's events are dropped unread.
 */
export class WsConnection {
  readonly #client: GatewayClient;
  readonly #listeners = new Map<string, (signal: RunSignal) => void>();
  readonly #options: WsConnectionOptions;
  #state: State = { phase: 'connecting' };
  #waiters = new Set<() => void>();
  #helloSeen = false;
  policy: WsPolicy = DEFAULT_WS_POLICY;

  constructor(options: WsConnectionOptions) {
    this.#options = options;
    this.#client = new GatewayClient({
      url: wsUrl(options.url),
      token: options.token,
      // The default gateway-client/backend identity is the one that keeps its requested scopes.
      scopes: [...REQUIRED_SCOPES],
      caps: ['tool-events'],
      minProtocol: PROTOCOL_VERSION,
      maxProtocol: PROTOCOL_VERSION,
      requestTimeoutMs: options.requestTimeoutMs,
      deviceIdentity: options.deviceIdentity ?? null,
      hostDeps: { logDebug: () => {}, logError: () => {}, ...options.hostDeps },
      onHelloOk: (hello) => this.#onHello(hello),
      onConnectError: (error) => this.#onConnectError(error),
      onClose: () => this.#onClose(),
      onEvent: (frame) => {
        const runId = runIdOf(frame.payload);
        if (runId === undefined) return;
        this.#listeners.get(runId)?.({ kind: 'event', event: frame.event, payload: frame.payload });
      },
    });
  }

  start(): void {
    this.#client.start();
  }

  #setState(state: State): void {
    this.#state = state;
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  #onHello(hello: { auth?: { scopes?: string[] }; policy?: Record<string, unknown> }): void {
    const granted = new Set(hello.auth?.scopes ?? []);
    const missing = REQUIRED_SCOPES.filter((scope) => !granted.has(scope));
    if (missing.length > 0) {
      const error = new AppError(
        'UPSTREAM_AUTH',
        `The gateway did not grant the scopes this server needs (missing: ${missing.join(', ')}). Check OPENCLAW_GATEWAY_TOKEN, or pair this server's device with operator.read and operator.write.`,
      );
      this.#setState({ phase: 'fatal', error, readyReason: `gateway did not grant ${missing.join(', ')}` });
      return;
    }
    const policy = hello.policy ?? {};
    const attachments = (policy.attachments ?? {}) as Record<string, unknown>;
    const num = (value: unknown, fallback: number) => (typeof value === 'number' && value > 0 ? value : fallback);
    this.policy = {
      maxPayload: num(policy.maxPayload, DEFAULT_WS_POLICY.maxPayload),
      maxImageBytes: num(attachments.maxImageBytes, DEFAULT_WS_POLICY.maxImageBytes),
      maxFileBytes: num(attachments.maxBytes, DEFAULT_WS_POLICY.maxFileBytes),
    };
    const reconnected = this.#helloSeen;
    this.#helloSeen = true;
    this.#setState({ phase: 'ready' });
    if (reconnected) for (const listener of [...this.#listeners.values()]) listener({ kind: 'reconnected' });
  }

  #onConnectError(error: Error): void {
    const details = (error as { details?: unknown }).details as Record<string, unknown> | undefined;
    const code = (error as { gatewayCode?: unknown }).gatewayCode;
    if (details?.code === 'PAIRING_REQUIRED' || code === 'NOT_PAIRED') {
      const appError = pairingError(details ?? {});
      const requestId = typeof details?.requestId === 'string' ? details.requestId : undefined;
      this.#setState({
        phase: 'fatal',
        error: appError,
        readyReason: `device pairing required: run \`openclaw devices approve ${requestId ?? '<request id>'}\` on the gateway host`,
      });
      this.#options.log?.warn(appError.message);
      return;
    }
    if (
      details?.code === 'AUTH_TOKEN_MISMATCH' ||
      (typeof details?.code === 'string' && details.code.startsWith('AUTH_'))
    ) {
      this.#setState({
        phase: 'fatal',
        error: new AppError('UPSTREAM_AUTH', 'The gateway rejected the server token.'),
        readyReason: 'gateway rejected the server token',
      });
      return;
    }
    if (this.#state.phase !== 'fatal') this.#setState({ phase: 'down', reason: 'gateway unreachable' });
  }

  #onClose(): void {
    if (this.#state.phase === 'ready') this.#setState({ phase: 'down', reason: 'gateway connection lost' });
    for (const listener of [...this.#listeners.values()]) listener({ kind: 'closed' });
  }

  /** Resolves once connected with our scopes; rejects after `timeoutMs`, on abort, or at once when it cannot work. */
  async ready(signal: AbortSignal, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const state = this.#state;
      if (state.phase === 'ready') return;
      if (state.phase === 'fatal') throw state.error;
      signal.throwIfAborted();
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new AppError('UPSTREAM_UNAVAILABLE', 'The agent gateway is unreachable; try again shortly.');
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        signal.addEventListener('abort', done, { once: true });
        this.#waiters.add(done);
      });
    }
  }

  readyState(): ReadyState {
    const state = this.#state;
    if (state.phase === 'ready') return { ready: true };
    if (state.phase === 'fatal') return { ready: false, reason: state.readyReason };
    if (state.phase === 'down') return { ready: false, reason: state.reason };
    return { ready: false, reason: 'connecting to the gateway' };
  }

  /** The first connection's outcome: resolves when ready or unreachable for `timeoutMs`; rejects when it cannot work. */
  async started(timeoutMs: number): Promise<void> {
    try {
      await this.ready(new AbortController().signal, timeoutMs);
    } catch (error) {
      if (this.#state.phase === 'fatal' && !this.#state.readyReason.startsWith('device pairing')) throw error;
    }
  }

  /** The fatal start-up problem (missing scope, pairing, bad token), if any. */
  get fatalError(): AppError | undefined {
    return this.#state.phase === 'fatal' ? this.#state.error : undefined;
  }

  /** Routes `runId`'s events (and connection drops) to `listener` until the returned function is called. */
  listen(runId: string, listener: (signal: RunSignal) => void): () => void {
    this.#listeners.set(runId, listener);
    return () => {
      if (this.#listeners.get(runId) === listener) this.#listeners.delete(runId);
    };
  }

  request<T>(method: string, params: unknown, timeoutMs?: number): Promise<T> {
    return this.#client.request<T>(method, params, { timeoutMs: timeoutMs ?? this.#options.requestTimeoutMs });
  }

  close(): Promise<void> {
    return this.#client.stopAndWait({ timeoutMs: 2_000 }).catch(() => {});
  }
}
