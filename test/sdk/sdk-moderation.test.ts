import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../sdk/src/index.ts';
import { SEC_MARKERS } from '../fake-wechat/msg-sec-check.ts';
import { rejection } from '../helpers/async.ts';
import { type ModeratedServer, startModeratedServer } from '../moderation/moderated-server.ts';
import { buildBundleForTests } from './bundle.ts';
import { ask, collect } from './streams.ts';
import { loadMiniprogramBundle } from './vm-runtime.ts';
import { createWxSimulator, type WxSimulator } from './wx-simulator.ts';

// What the mini-program sees of moderation and labelling, through the built bundle in its wx sandbox.

let bundleFile: string;
let m: ModeratedServer;
const simulators: WxSimulator[] = [];

beforeAll(async () => {
  bundleFile = (await buildBundleForTests()).file;
  m = await startModeratedServer({}, { gateway: { deltaDelayMs: 2 } });
});
afterAll(() => m.close());
afterEach(() => {
  for (const simulator of simulators.splice(0)) simulator.close();
  m.wechat.knobs.judge = undefined;
});

function setup() {
  const simulator = createWxSimulator();
  simulators.push(simulator);
  const { sdk } = loadMiniprogramBundle(bundleFile, simulator.wx);
  return { sdk, client: sdk.createChatClient({ baseUrl: m.server.baseUrl, apiKey: m.server.apiKey }) };
}

describe('SDK with moderation and AI labels', () => {
  it('answers carry aiGenerated and the label to render, sent or streamed', async () => {
    const { client } = setup();
    expect(await client.sendChat(ask('你好'))).toMatchObject({ aiGenerated: true, label: '内容由AI生成' });
    const last = (await collect(client.chatStream(ask('你好')))).at(-1);
    expect(last).toMatchObject({ __typename: 'ChatCompleted', result: { aiGenerated: true, label: '内容由AI生成' } });
  });

  it('a refused user turn rejects with CONTENT_REJECTED', async () => {
    const { client } = setup();
    const error = await rejection(client.sendChat(ask(`hi ${SEC_MARKERS.risky}`)));
    expect(error).toMatchObject({ name: 'SdkError', code: 'CONTENT_REJECTED' });
    expect(await rejection(collect(client.chatStream(ask(`hi ${SEC_MARKERS.risky}`))))).toMatchObject({
      code: 'CONTENT_REJECTED',
    });
  });

  it('a withdrawn answer ends with an event isRetraction() recognises, for the app to clear what it showed', async () => {
    m.wechat.knobs.judge = (content) => (content.includes(' w30 ') ? 'risky' : undefined);
    const { sdk, client } = setup();
    let shown = '';
    const events: ChatEvent[] = [];
    for await (const event of client.chatStream(ask('FAKE_DELTAS_60'))) {
      events.push(event);
      if (event.__typename === 'ChatDelta') shown += event.text;
      if (sdk.isRetraction(event)) shown = '';
    }
    expect(events.at(-1)).toMatchObject({ __typename: 'ChatFailed', code: 'CONTENT_REJECTED', retracted: true });
    expect(events.filter((e) => sdk.isRetraction(e))).toHaveLength(1);
    expect(shown).toBe('');
  });
});
