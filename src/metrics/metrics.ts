import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Run } from '../chat/run.ts';
import type { ChatEvent } from '../contract/chat.ts';
import type { AppError } from '../contract/errors.ts';

/** OpenTelemetry GenAI semantic conventions' buckets (gen_ai.client.token.usage, gen_ai.client.operation.duration). */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const OPERATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const GENAI = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'openclaw' } as const;

/**
 * Every metric of one server, in its own registry (several servers may share a process in tests). Labels are
 * bounded: routes, status codes, outcomes and error codes, never a key, user, conversation or run id.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #http = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'HTTP requests by route template, method and status (streams: until the stream ends).',
    labelNames: ['http_route', 'http_request_method', 'http_response_status_code'],
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  readonly #started = new Counter({
    name: 'minipro_runs_started_total',
    help: 'Runs started here, streaming or awaited.',
    labelNames: ['mode'],
    registers: [this.registry],
  });
  readonly #finished = new Counter({
    name: 'minipro_runs_finished_total',
    help: 'Runs ended here, by outcome (completed, cancelled, failed) and error code.',
    labelNames: ['outcome', 'error_code'],
    registers: [this.registry],
  });
  readonly #active = new Gauge({
    name: 'minipro_runs_active',
    help: 'Runs in flight on this instance.',
    registers: [this.registry],
  });
  readonly #firstDelta = new Histogram({
    name: 'minipro_run_first_delta_seconds',
    help: 'Time from a streaming run start to its first text delta.',
    buckets: OPERATION_BUCKETS,
    registers: [this.registry],
  });
  readonly #gateway = new Histogram({
    name: 'minipro_gateway_request_duration_seconds',
    help: 'One upstream call to the OpenClaw gateway, to its last byte.',
    labelNames: ['transport', 'mode', 'outcome'],
    buckets: OPERATION_BUCKETS,
    registers: [this.registry],
  });
  readonly #tokens = new Histogram({
    name: 'gen_ai_client_token_usage',
    help: 'gen_ai.client.token.usage: tokens per completed run, by gen_ai.token.type.',
    labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'gen_ai_token_type'],
    buckets: TOKEN_BUCKETS,
    registers: [this.registry],
  });
  readonly #operation = new Histogram({
    name: 'gen_ai_client_operation_duration_seconds',
    help: 'gen_ai.client.operation.duration: one chat turn, start to end (error_type set when it failed).',
    labelNames: ['gen_ai_operation_name', 'gen_ai_provider_name', 'error_type'],
    buckets: OPERATION_BUCKETS,
    registers: [this.registry],
  });
  readonly #rejections = new Counter({
    name: 'minipro_limiter_rejections_total',
    help: 'Requests refused by a limit, by limiter name.',
    labelNames: ['limiter'],
    registers: [this.registry],
  });
  /** Streaming runs still waiting for their first delta. */
  readonly #awaitingDelta = new WeakSet<Run>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.#http.observe({ http_route: route, http_request_method: method, http_response_status_code: status }, seconds);
  }

  runStarted(run: Run, stream: boolean): void {
    this.#started.inc({ mode: stream ? 'stream' : 'await' });
    this.#active.inc();
    if (stream) this.#awaitingDelta.add(run);
    const seconds = () => (Date.now() - run.createdAt) / 1000;
    run.result.then(
      (result) => {
        this.#finished.inc({ outcome: 'completed', error_code: '' });
        this.#operation.observe({ ...GENAI, error_type: '' }, seconds());
        if (result.usage) {
          this.#tokens.observe({ ...GENAI, gen_ai_token_type: 'input' }, result.usage.inputTokens);
          this.#tokens.observe({ ...GENAI, gen_ai_token_type: 'output' }, result.usage.outputTokens);
        }
      },
      (error: AppError) => {
        const outcome = error.code === 'CANCELLED' ? 'cancelled' : 'failed';
        this.#finished.inc({ outcome, error_code: error.code });
        this.#operation.observe({ ...GENAI, error_type: error.code }, seconds());
      },
    );
    run.result.finally(() => this.#active.dec()).catch(() => {});
  }

  /** Per event of a local run: only a run's first delta does any work. */
  runEvent(run: Run, event: ChatEvent): void {
    if (event.type !== 'delta' || !this.#awaitingDelta.has(run)) return;
    this.#awaitingDelta.delete(run);
    this.#firstDelta.observe((Date.now() - run.createdAt) / 1000);
  }

  gatewayCall(transport: string, stream: boolean, outcome: 'ok' | 'error' | 'aborted', seconds: number): void {
    this.#gateway.observe({ transport, mode: stream ? 'stream' : 'await', outcome }, seconds);
  }

  /** The hook every limiter calls when it refuses (per-key and per-user runs here; rate and quota limiters). */
  limiterRejected(limiter: string): void {
    this.#rejections.inc({ limiter });
  }
}
