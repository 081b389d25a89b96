import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the lead's GraphQL endpoint, speaking the same wire protocol (JSON for queries and mutations,
 * graphql-yoga style SSE for subscriptions), so the SDK can be tested before and independently of the real server.
 */
export interface FakeGraphQLServerOptions {
  apiKey?: string;
  validTokens?: string[];
  deltaIntervalMs?: number;
  heartbeatMs?: number;
}

interface RunEvent {
  __typename: string;
  runId: string;
  eventId: string;
  [field: string]: unknown;
}

interface Run {
  id: string;
  events: RunEvent[];
  done: boolean;
  cancelled: boolean;
  listeners: Set<(event: RunEvent) => void>;
}

export interface ReceivedOperation {
  operationName: string | undefined;
  variables: Record<string, unknown>;
  header: Record<string, string | string[] | undefined>;
}

export const CHINESE_ANSWER = '你好，世界！这是一个流式回答。🚀';

const LIMITS = {
  maxImageBytes: 1000,
  maxFileBytes: 2000,
  maxImages: 4,
  maxFiles: 2,
  imageMimeTypes: ['image/png'],
  fileMimeTypes: ['text/plain'],
};

type Input = {
  messages?: { role: string; content: string }[];
  attachments?: { image?: unknown; file?: unknown }[];
};

function answerFor(input: Input): string {
  const text = input.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? '';
  if (text.includes('CHINESE')) return CHINESE_ANSWER;
  const images = input.attachments?.filter((a) => a.image).length ?? 0;
  const files = input.attachments?.filter((a) => a.file).length ?? 0;
  return `ECHO: ${text} | images=${images} files=${files}`;
}

function resultFor(runId: string, content: string) {
  return {
    __typename: 'ChatResult',
    runId,
    model: 'openclaw',
    message: { __typename: 'ChatMessage', role: 'assistant', content },
    finishReason: 'stop',
    usage: null,
    attachments: [],
  };
}

function graphQLError(code: string, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

export async function startFakeGraphQLServer(options: FakeGraphQLServerOptions = {}) {
  const apiKey = options.apiKey ?? 'test-key';
  const validTokens = new Set(options.validTokens ?? []);
  const deltaIntervalMs = options.deltaIntervalMs ?? 5;
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const runs = new Map<string, Run>();
  const operations: ReceivedOperation[] = [];
  const cancelled: string[] = [];
  let runCounter = 0;
  let unauthorizedCount = 0;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  const authorized = (req: IncomingMessage) => {
    if (req.headers['x-api-key'] === apiKey) return true;
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    return bearer !== null && validTokens.has(bearer[1]!);
  };

  const startRun = (input: Input): Run => {
    const run: Run = { id: `run-${++runCounter}`, events: [], done: false, cancelled: false, listeners: new Set() };
    runs.set(run.id, run);
    const answer = answerFor(input);
    const text = input.messages?.at(-1)?.content ?? '';
    const chars = Array.from(answer);
    const hangsBeforeStart = text.includes('HANG_BEFORE_START');
    let next = 1;
    const emit = (event: Omit<RunEvent, 'runId' | 'eventId'>) => {
      const full = { ...event, runId: run.id, eventId: String(next++) } as RunEvent;
      run.events.push(full);
      if (full.__typename === 'ChatCompleted' || full.__typename === 'ChatFailed') run.done = true;
      for (const listener of run.listeners) listener(full);
    };
    if (hangsBeforeStart) return run;
    emit({ __typename: 'ChatStarted' });
    let index = 0;
    const timer = setInterval(() => {
      if (run.cancelled) {
        clearInterval(timer);
        emit({ __typename: 'ChatFailed', code: 'CANCELLED', message: 'Cancelled.' });
      } else if (index < chars.length) {
        emit({ __typename: 'ChatDelta', text: chars[index++] });
      } else {
        clearInterval(timer);
        emit({ __typename: 'ChatCompleted', result: resultFor(run.id, answer) });
      }
    }, deltaIntervalMs);
    return run;
  };

  const stream = (req: IncomingMessage, res: ServerResponse, field: string, run: Run, after: number) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.write(':\n\n');
    const heartbeat = setInterval(() => res.write(':\n\n'), heartbeatMs);
    const send = (event: RunEvent) => {
      if (Number(event.eventId) <= after) return;
      res.write(`event: next\ndata: ${JSON.stringify({ data: { [field]: event } })}\n\n`);
      if (event.__typename === 'ChatCompleted' || event.__typename === 'ChatFailed') close();
    };
    const close = () => {
      clearInterval(heartbeat);
      run.listeners.delete(send);
      if (!res.writableEnded) res.end('event: complete\ndata:\n\n');
    };
    req.on('close', () => {
      clearInterval(heartbeat);
      run.listeners.delete(send);
    });
    for (const event of run.events) send(event);
    if (!run.done) run.listeners.add(send);
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || req.url !== '/graphql') return json(res, 404, { error: { code: 'NOT_FOUND' } });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      operationName?: string;
      variables?: Record<string, unknown>;
    };
    const variables = body.variables ?? {};
    operations.push({ operationName: body.operationName, variables, header: req.headers });
    if (!authorized(req)) {
      // The real server answers 401 either way, depending on where the check failed.
      return json(
        res,
        401,
        ++unauthorizedCount % 2
          ? { error: { code: 'UNAUTHENTICATED', message: 'Bad credentials.' } }
          : graphQLError('UNAUTHENTICATED', 'Bad credentials.'),
      );
    }
    const input = (variables.input ?? {}) as Input;
    const userText = input.messages?.at(-1)?.content ?? '';
    switch (body.operationName) {
      case 'Limits':
        return json(res, 200, { data: { limits: { __typename: 'Limits', ...LIMITS } } });
      case 'SendChat': {
        if (!input.messages?.length) return json(res, 400, graphQLError('INVALID_INPUT', 'messages is empty.'));
        const runId = `run-${++runCounter}`;
        return json(res, 200, { data: { sendChat: resultFor(runId, answerFor(input)) } });
      }
      case 'CancelChat': {
        const run = runs.get(String(variables.runId));
        cancelled.push(String(variables.runId));
        if (run && !run.done) run.cancelled = true;
        return json(res, 200, { data: { cancelChat: Boolean(run) } });
      }
      case 'ChatStream': {
        if (!input.messages?.length) return json(res, 400, graphQLError('INVALID_INPUT', 'messages is empty.'));
        if (userText.includes('NEXT_ERROR')) {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' });
          res.end(
            `event: next\ndata: ${JSON.stringify(graphQLError('UPSTREAM_FAILED', 'Gateway broke.'))}\n\nevent: complete\ndata:\n\n`,
          );
          return;
        }
        return stream(req, res, 'chatStream', startRun(input), 0);
      }
      case 'ChatEvents': {
        const run = runs.get(String(variables.runId));
        if (!run) return json(res, 404, graphQLError('NOT_FOUND', 'No such run.'));
        return stream(req, res, 'chatEvents', run, variables.after ? Number(variables.after) : 0);
      }
      default:
        return json(res, 400, graphQLError('INVALID_INPUT', `Unknown operation ${body.operationName}`));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    operations,
    cancelled,
    runs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FakeGraphQLServer = Awaited<ReturnType<typeof startFakeGraphQLServer>>;
