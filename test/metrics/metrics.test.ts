import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Exposition, parseExposition, sum } from '../helpers/prometheus-text.ts';
import { expectError, postChat, readSse, userMessage } from '../helpers/rest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const TOKEN = 'metrics-token-0123456789';

async function scrape(url: string, token: string | undefined = TOKEN): Promise<{ text: string; families: Exposition }> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { text, families: parseExposition(text) };
}

/** A counter's or gauge's value, or a histogram's count, summed over the series whose labels include `labels`. */
function sampled(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  const histogram = exposition.types.get(name) === 'histogram';
  return sum(exposition, histogram ? `${name}_count` : name, labels);
}

describe('GET /metrics (Prometheus text format, parsed from the HTTP body)', () => {
  let server: TestServer;
  let metricsUrl: string;
  let loopbackUrl: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: { METRICS_TOKEN: TOKEN, METRICS_PORT: '0', MAX_ACTIVE_RUNS_PER_USER: '1' },
    });
    metricsUrl = `${server.baseUrl}/metrics`;
    const { port } = server.app.metricsServer!.address() as AddressInfo;
    loopbackUrl = `http://127.0.0.1:${port}/metrics`;
  });
  afterAll(async () => server?.close());

  it('answers 401 on the main port without the bearer token, before doing anything', async () => {
    await expectError(await fetch(metricsUrl), 401, 'UNAUTHENTICATED');
    await expectError(
      await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong-token-0123456789' } }),
      401,
      'UNAUTHENTICATED',
    );
    await expectError(await fetch(metricsUrl, { headers: { 'x-api-key': server.apiKey } }), 401, 'UNAUTHENTICATED');
  });

  it('moves the run, first-delta, gateway, GenAI and HTTP series as chats are answered', async () => {
    const before = (await scrape(metricsUrl)).families;
    const streamed = await postChat(server, { stream: true, messages: [userMessage('FAKE_DELTAS_5 hello')] });
    await readSse(streamed);
    const awaited = await postChat(server, { messages: [userMessage('hello')] });
    expect(awaited.status).toBe(200);
    const runId = awaited.headers.get('x-run-id') ?? '';
    const { text, families: after } = await scrape(metricsUrl);
    const delta = (name: string, labels?: Record<string, string>) =>
      sampled(after, name, labels) - sampled(before, name, labels);

    expect(delta('minipro_runs_started_total', { mode: 'stream' })).toBe(1);
    expect(delta('minipro_runs_started_total', { mode: 'await' })).toBe(1);
    expect(delta('minipro_runs_finished_total', { outcome: 'completed' })).toBe(2);
    expect(sampled(after, 'minipro_runs_active')).toBe(0);
    expect(delta('minipro_run_first_delta_seconds')).toBe(1);
    expect(delta('minipro_gateway_request_duration_seconds', { transport: 'http', outcome: 'ok' })).toBe(2);
    expect(delta('gen_ai_client_token_usage', { gen_ai_token_type: 'input', gen_ai_operation_name: 'chat' })).toBe(2);
    expect(delta('gen_ai_client_token_usage', { gen_ai_token_type: 'output' })).toBe(2);
    expect(delta('gen_ai_client_operation_duration_seconds', { error_type: '' })).toBe(2);
    expect(
      delta('http_server_request_duration_seconds', {
        http_route: '/api/chat',
        http_request_method: 'POST',
        http_response_status_code: '200',
      }),
    ).toBe(2);
    expect(sampled(after, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampled(after, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    // Bounded labels: no run id, API key or principal ever becomes a label value.
    expect(runId).not.toBe('');
    expect(text).not.toContain(runId);
    expect(text).not.toContain(server.apiKey);
    expect(text).not.toMatch(/key_[0-9a-f]{12}/);
  });

  it('counts limiter rejections and cancelled runs', async () => {
    const before = (await scrape(metricsUrl)).families;
    const holder = new AbortController();
    const first = await postChat(
      server,
      { stream: true, user: 'u1', messages: [userMessage('FAKE_SILENT')] },
      { signal: holder.signal },
    );
    expect(first.status).toBe(200);
    await expectError(
      await postChat(server, { stream: true, user: 'u1', messages: [userMessage('again')] }),
      429,
      'RATE_LIMITED',
    );
    holder.abort();
    await expect.poll(async () => sampled((await scrape(metricsUrl)).families, 'minipro_runs_active')).toBe(0);
    const { text, families: after } = await scrape(metricsUrl);
    const delta = (name: string, labels?: Record<string, string>) =>
      sampled(after, name, labels) - sampled(before, name, labels);
    expect(delta('minipro_limiter_rejections_total', { limiter: 'runs_per_user' })).toBe(1);
    expect(delta('minipro_runs_finished_total', { outcome: 'cancelled', error_code: 'CANCELLED' })).toBe(1);
    expect(delta('gen_ai_client_operation_duration_seconds', { error_type: 'CANCELLED' })).toBe(1);
    expect(text).not.toContain('u1');
  });

  it('serves the same exposition unauthenticated on METRICS_PORT, bound to loopback', async () => {
    const { families } = await scrape(loopbackUrl, undefined);
    expect(families.types.get('minipro_runs_started_total')).toBe('counter');
    expect(families.types.get('gen_ai_client_token_usage')).toBe('histogram');
    const address = server.app.metricsServer!.address() as AddressInfo;
    expect(address.address).toBe('127.0.0.1');
    expect((await fetch(loopbackUrl.replace('/metrics', '/other'))).status).toBe(404);
  });
});
