/**
 * The libraries' floor: a minimal yoga and a minimal tRPC endpoint whose one operation calls the same chat service
 * method as our surfaces (`sendInConversation`: the turn is recorded in the store too, so the difference is our
 * layer, not the store), with the libraries' defaults and none of our plugins, middleware, auth or error mapping.
 * Our overhead on a surface = its server CPU per call − its floor's, measured in the same run.
 */

import { initTRPC } from '@trpc/server';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { FastifyInstance } from 'fastify';
import { createSchema, createYoga } from 'graphql-yoga';
import type { ChatService } from '../src/chat/service.ts';
import type { SendChatInput } from '../src/contract/chat.ts';

export const GRAPHQL_FLOOR_PATH = '/floor/graphql';
export const TRPC_FLOOR_PATH = '/floor/trpc';

export interface FloorOptions {
  service: ChatService;
  /** The contract's zod schema (both floors validate their input with it, as our surfaces do). */
  sendChatInput: typeof SendChatInput;
}

const PRINCIPAL = { id: 'bench-floor' };

/** The input and result types the bench's sendChat operation uses, as plain SDL (same `@oneOf` attachments). */
const TYPE_DEFS = /* GraphQL */ `
  enum ChatRole { system user assistant }
  input ChatMessageInput { role: ChatRole!, content: String! }
  input ImageAttachmentInput { data: String!, mimeType: String! }
  input FileAttachmentInput { name: String!, data: String!, mimeType: String }
  input AttachmentInput @oneOf { image: ImageAttachmentInput, file: FileAttachmentInput }
  input SendChatInput {
    model: String, messages: [ChatMessageInput!]!, user: String, attachments: [AttachmentInput!], agentId: String
  }
  type ChatMessage { role: ChatRole!, content: String! }
  type Usage { inputTokens: Int!, outputTokens: Int!, totalTokens: Int! }
  type ChatResult { runId: ID!, model: String!, message: ChatMessage!, usage: Usage }
  type Query { ok: Boolean }
  type Mutation { sendChat(input: SendChatInput!): ChatResult! }
`;

interface FloorAttachment {
  image?: { data: string; mimeType: string };
  file?: { name: string; data: string; mimeType?: string };
}

export async function registerFloors(app: FastifyInstance, options: FloorOptions): Promise<void> {
  const { service, sendChatInput } = options;

  const yoga = createYoga({
    graphqlEndpoint: GRAPHQL_FLOOR_PATH,
    logging: false,
    schema: createSchema({
      typeDefs: TYPE_DEFS,
      resolvers: {
        Mutation: {
          sendChat: (_root: unknown, args: { input: Record<string, unknown> }, ctx: { request: Request }) => {
            const attachments = (args.input.attachments as FloorAttachment[] | undefined)?.map((a) =>
              a.image ? { type: 'image', ...a.image } : { type: 'file', ...a.file },
            );
            const input = sendChatInput.parse({ ...args.input, attachments });
            return service.sendInConversation(PRINCIPAL, input, { signal: ctx.request.signal });
          },
        },
      },
    }),
  });
  // yoga's documented Fastify integration.
  app.route({
    url: GRAPHQL_FLOOR_PATH,
    method: ['GET', 'POST', 'OPTIONS'],
    handler: async (request, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(request, reply);
      response.headers.forEach((value, key) => {
        reply.header(key, value);
      });
      reply.status(response.status);
      reply.send(response.body);
      return reply;
    },
  });

  const t = initTRPC.create();
  const router = t.router({
    chat: t.router({
      send: t.procedure
        .input(sendChatInput)
        .mutation(({ input, signal }) =>
          service.sendInConversation(PRINCIPAL, input, { ...(signal ? { signal } : {}) }),
        ),
    }),
  });
  await app.register(async (scope) => {
    await scope.register(fastifyTRPCPlugin, { prefix: TRPC_FLOOR_PATH, trpcOptions: { router } });
  });
}
