import { inBandFailure, malformedAnswer, malformedEvent, parseEventObject, streamCut } from './errors.ts';
import type { Completion, GatewayEvent, StreamDecoder } from './events.ts';
import { normalizeUsage } from './usage.ts';

interface ChatCompletionJson {
  choices?: Array<{ message?: { content?: unknown }; delta?: { content?: unknown }; finish_reason?: unknown }>;
  usage?: unknown;
  error?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A non-streaming chat completion; without `choices[0].message` it is no answer at all (UPSTREAM_FAILED). */
export function parseChatCompletion(json: unknown): Completion {
  const body = json as ChatCompletionJson;
  const choice = Array.isArray(body?.choices) ? body.choices[0] : undefined;
  if (!isObject(body) || !isObject(choice) || !isObject(choice.message)) {
    throw malformedAnswer('a chat completion without choices[0].message');
  }
  const content = choice.message.content;
  return {
    text: typeof content === 'string' ? content : '',
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
    usage: normalizeUsage(body.usage),
  };
}

/**
 * `data: <chunk>` lines with no `event:` names. The finish chunk comes before the usage chunk, so
 * `completed` is emitted at `[DONE]`; an `error` chunk (HTTP already 200) is a failure, not an answer.
 */
export function createChatCompletionsDecoder(): StreamDecoder {
  let text = '';
  let finishReason: string | null = null;
  let usage: Completion['usage'] = null;
  let done = false;

  return {
    decode(_event, data) {
      if (done) return [];
      if (data === '[DONE]') {
        done = true;
        return [{ type: 'completed', text, finishReason, usage }];
      }
      const chunk = parseEventObject(data) as ChatCompletionJson | undefined;
      if (!chunk) {
        done = true;
        return [{ type: 'failed', error: malformedEvent() }];
      }
      if (chunk.error !== undefined) {
        done = true;
        return [{ type: 'failed', error: inBandFailure(chunk.error) }];
      }
      if (chunk.usage) usage = normalizeUsage(chunk.usage) ?? usage;
      const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
      if (!isObject(choice)) return [];
      if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason;
      const delta = isObject(choice.delta) ? choice.delta.content : undefined;
      if (typeof delta === 'string' && delta.length > 0) {
        text += delta;
        return [{ type: 'delta', text: delta }];
      }
      return [];
    },
    finish(): GatewayEvent[] {
      if (done) return [];
      done = true;
      return [{ type: 'failed', error: streamCut() }];
    },
  };
}
