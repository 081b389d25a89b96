/**
 * The lean path for single results (src/graphql/single-result.ts) reproduces what yoga's plugins do to such a call:
 * context, error masking, result formatting; the requests it takes are ones that no HTTP-level hook (CORS,
 * CSRF, parsing, GraphiQL) would change. This inventory of the plugins' hooks fails when a plugin is added or
 * removed: review that file then, and extend the lean path (or hand such requests to yoga) before updating it.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ChatService } from '../../src/chat/service.ts';
import { loadConfig } from '../../src/config/env.ts';
import { registerGraphQL } from '../../src/graphql/handler.ts';

const config = loadConfig({ API_KEYS: 'k-0123456789abcdef', OPENCLAW_GATEWAY_URL: 'http://127.0.0.1:1' });

async function hookCounts(introspection: boolean): Promise<Record<string, number>> {
  const app = Fastify();
  const yoga = await registerGraphQL(app, {
    service: {} as ChatService,
    authenticate: () => ({ id: 'p' }),
    limits: config.limits,
    graphiql: false,
    introspection,
  });
  await app.close();
  // YogaServer keeps the plugin list envelop resolved (plugins added by plugins included).
  const plugins = (yoga as unknown as { plugins: Array<Record<string, unknown>> }).plugins;
  const counts: Record<string, number> = {};
  for (const plugin of plugins) {
    for (const hook of Object.keys(plugin).filter((key) => key.startsWith('on')))
      counts[hook] = (counts[hook] ?? 0) + 1;
  }
  return counts;
}

describe("yoga's plugins, as the lean single-result path knows them", () => {
  it.each([true, false])('introspection %s', async (introspection) => {
    expect(await hookCounts(introspection)).toEqual({
      onContextBuilding: 1,
      onExecute: 4,
      onParams: 1,
      onParse: 5,
      onPluginInit: 3,
      onRequest: 3,
      onRequestParse: 9,
      onResponse: 2,
      onResultProcess: 1,
      onSubscribe: 5,
      onValidate: introspection ? 8 : 10,
    });
  });
});
