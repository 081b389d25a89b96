import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatMessageInput } from '../contract/chat.ts';
import type { ValidatedAttachment } from './attachments.ts';
import {
  buildChatCompletionsBody,
  buildResponsesBody,
  buildUpstreamCall,
  chooseEndpoint,
  type GatewayChatRequest,
  upstreamBodyText,
} from './translate.ts';

const PNG: ValidatedAttachment = { kind: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=', bytes: 8 };
const PDF: ValidatedAttachment = {
  kind: 'file',
  mimeType: 'application/pdf',
  data: 'JVBERi0xLjQK',
  bytes: 9,
  filename: 'invoice.pdf',
};

const history: ChatMessageInput[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'first' },
  { role: 'assistant', content: 'reply' },
  { role: 'user', content: 'What is in this image and this PDF?' },
];

function request(overrides: Partial<GatewayChatRequest> = {}): GatewayChatRequest {
  return {
    model: 'openclaw/default',
    messages: history,
    attachments: [],
    sessionKey: undefined,
    stream: false,
    ...overrides,
  };
}

describe('text-only turns → /v1/chat/completions', () => {
  it('non-streaming body: model, messages, stream:false, no stream_options', () => {
    const call = buildUpstreamCall(request());
    expect(call.endpoint).toBe('/v1/chat/completions');
    expect(JSON.parse(upstreamBodyText(call))).toEqual({
      model: 'openclaw/default',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'reply' },
        { role: 'user', content: 'What is in this image and this PDF?' },
      ],
      stream: false,
    });
    expect(call.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json' });
  });

  it('streaming body asks for usage; accept is text/event-stream', () => {
    const call = buildUpstreamCall(request({ stream: true, messages: [{ role: 'user', content: 'hi' }] }));
    expect(JSON.parse(upstreamBodyText(call))).toEqual({
      model: 'openclaw/default',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(call.headers.accept).toBe('text/event-stream');
  });

  it('copies only role and content from messages', () => {
    const extra = { role: 'user', content: 'x', name: 'evil', tool_calls: [] } as unknown as ChatMessageInput;
    expect(buildChatCompletionsBody(request({ messages: [extra] })).messages).toEqual([{ role: 'user', content: 'x' }]);
  });
});

describe('turns with attachments → /v1/responses', () => {
  it('earlier turns are string messages; the last user message carries text, image and file parts', () => {
    const call = buildUpstreamCall(request({ attachments: [PNG, PDF] }));
    expect(call.endpoint).toBe('/v1/responses');
    expect(JSON.parse(upstreamBodyText(call))).toEqual({
      model: 'openclaw/default',
      input: [
        { type: 'message', role: 'system', content: 'Be brief.' },
        { type: 'message', role: 'user', content: 'first' },
        { type: 'message', role: 'assistant', content: 'reply' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'What is in this image and this PDF?' },
            { type: 'input_image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            {
              type: 'input_file',
              source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK', filename: 'invoice.pdf' },
            },
          ],
        },
      ],
      stream: false,
    });
  });

  it('streaming responses body has stream:true and no stream_options (the schema is strict)', () => {
    const body = JSON.parse(upstreamBodyText(buildUpstreamCall(request({ attachments: [PNG], stream: true }))));
    expect(body.stream).toBe(true);
    expect(Object.keys(body).sort()).toEqual(['input', 'model', 'stream']);
  });

  it('an image-only turn omits input_text', () => {
    const body = buildResponsesBody(request({ messages: [{ role: 'user', content: '' }], attachments: [PNG] }));
    expect(body.input).toEqual([
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }],
      },
    ]);
  });

  it('attaches media to the LAST user message, not an earlier one', () => {
    const body = buildResponsesBody(
      request({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
        attachments: [PDF],
      }),
    );
    const input = body.input as Array<{ content: unknown }>;
    expect(input[0]).toEqual({ type: 'message', role: 'user', content: 'a' });
    expect(input[1]!.content).toEqual([
      { type: 'input_text', text: 'b' },
      {
        type: 'input_file',
        source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK', filename: 'invoice.pdf' },
      },
    ]);
  });

  it('chooseEndpoint depends only on attachments', () => {
    expect(chooseEndpoint(request())).toBe('/v1/chat/completions');
    expect(chooseEndpoint(request({ attachments: [PDF] }))).toBe('/v1/responses');
  });
});

describe('headers', () => {
  it('sends the session key header only when set', () => {
    expect(buildUpstreamCall(request({ sessionKey: 'minipro-abc' })).headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      'x-openclaw-session-key': 'minipro-abc',
    });
    expect('x-openclaw-session-key' in buildUpstreamCall(request({ sessionKey: undefined })).headers).toBe(false);
    expect('x-openclaw-session-key' in buildUpstreamCall(request({ sessionKey: '' })).headers).toBe(false);
    expect(
      buildUpstreamCall(request({ sessionKey: 'minipro-abc', attachments: [PNG] })).headers['x-openclaw-session-key'],
    ).toBe('minipro-abc');
  });

  it('never sets authorization or other x-openclaw-* headers (the client adds auth itself)', () => {
    const headers = buildUpstreamCall(request({ sessionKey: 'k', attachments: [PNG], stream: true })).headers;
    expect(Object.keys(headers).sort()).toEqual(['accept', 'content-length', 'content-type', 'x-openclaw-session-key']);
  });

  it('sends attachment bodies in pieces whose byte length is the declared Content-Length', () => {
    const big: ValidatedAttachment = {
      kind: 'image',
      mimeType: 'image/png',
      data: `iVBO${'A'.repeat(600_000)}`,
      bytes: 1,
    };
    const call = buildUpstreamCall(
      request({ messages: [{ role: 'user', content: '看图 🚀 "quoted" \u0000' }], attachments: [big, PDF, big] }),
    );
    const pieces = [...(call.body as Iterable<string>)];
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.reduce((n, p) => n + Buffer.byteLength(p), 0)).toBe(Number(call.headers['content-length']));
    const parsed = JSON.parse(pieces.join(''));
    expect(parsed.input[0].content[0]).toEqual({ type: 'input_text', text: '看图 🚀 "quoted" \u0000' });
    expect(parsed.input[0].content.map((p: { source: { data: string } }) => p.source?.data)).toEqual([
      undefined,
      big.data,
      PDF.data,
      big.data,
    ]);
  });
});

describe('responses body properties', () => {
  const role = fc.constantFrom('system', 'user', 'assistant') as fc.Arbitrary<ChatMessageInput['role']>;
  const message = fc.record({ role, content: fc.string({ maxLength: 20 }) });
  const attachment: fc.Arbitrary<ValidatedAttachment> = fc.oneof(
    fc.constant(PNG),
    fc.constant(PDF),
    fc.constant<ValidatedAttachment>({ kind: 'image', mimeType: 'image/jpeg', data: '/9j/4AAQ', bytes: 6 }),
  );

  it('every item is a message; never a top-level input_image/input_file; media only in the last user message', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 6 }),
        fc.string({ maxLength: 10 }),
        fc.array(attachment, { minLength: 1, maxLength: 4 }),
        (earlier, last, attachments) => {
          const messages = [...earlier, { role: 'user' as const, content: last }];
          const call = buildUpstreamCall(request({ messages, attachments }));
          expect(call.endpoint).toBe('/v1/responses');
          const input = JSON.parse(upstreamBodyText(call)).input as Array<{
            type: string;
            role: string;
            content: unknown;
          }>;
          expect(input).toHaveLength(messages.length);
          input.forEach((item, i) => {
            expect(item.type).toBe('message');
            expect(item.role).toBe(messages[i]!.role);
            if (i < input.length - 1) expect(item.content).toBe(messages[i]!.content);
          });
          const parts = input.at(-1)!.content as Array<{ type: string }>;
          const media = parts.filter((p) => p.type !== 'input_text');
          expect(media).toHaveLength(attachments.length);
          expect(parts.filter((p) => p.type === 'input_text')).toHaveLength(last.length > 0 ? 1 : 0);
          if (last.length > 0) expect(parts[0]).toEqual({ type: 'input_text', text: last });
        },
      ),
    );
  });
});
