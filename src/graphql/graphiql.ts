import type { FastifyReply, FastifyRequest } from 'fastify';

export interface GraphiQLPageOptions {
  endpoint: string;
  /** Prefilled in the Headers tab (the demo's key); otherwise a placeholder. */
  apiKey?: string;
}

const EXAMPLE = /* GraphQL */ `# Set your API key in the Headers tab below, then run this subscription.
subscription Chat {
  chatStream(input: { messages: [{ role: user, content: "你好, OpenClaw!" }] }) {
    __typename
    ... on ChatStarted { runId eventId }
    ... on ChatDelta { eventId text }
    ... on ChatCompleted { result { message { content } usage { totalTokens } attachments { __typename } } }
    ... on ChatFailed { code message }
  }
}
`;

/**
 * A GET for HTML gets the page and nothing else, whatever its query string says (GraphiQL writes the current query
 * into the URL, so a reload carries one; the page only prefills its editor with it). No operation ever runs here,
 * so the page needs no key; with GraphiQL off, the same request is an ordinary GET that needs one.
 */
export function isGraphiQLPage(request: FastifyRequest): boolean {
  return request.method === 'GET' && !request.ws && !!request.headers.accept?.includes('text/html');
}

/**
 * An onRequest hook serving GraphiQL's page before authentication, so a browser can open it with no key. Served
 * from the package, not a CDN (the page must work where unpkg is unreachable, e.g. mainland China), and rendered
 * on first use: the inlined page costs ~40 MB of RSS that a production server should not carry.
 */
export function serveGraphiQL(options: GraphiQLPageOptions) {
  let page: Promise<string> | undefined;
  const render = async () =>
    (await import('@graphql-yoga/render-graphiql')).renderGraphiQL({
      title: 'OpenClaw mini-program backend',
      endpoint: options.endpoint,
      subscriptionsProtocol: 'SSE',
      headers: JSON.stringify({ 'x-api-key': options.apiKey ?? '<your API key>' }, null, 2),
      defaultQuery: EXAMPLE,
    });
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isGraphiQLPage(request)) return;
    page ??= render();
    return reply.type('text/html; charset=utf-8').send(await page);
  };
}
