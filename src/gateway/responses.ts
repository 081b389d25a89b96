import { inBandFailure, malformedAnswer, malformedEvent, parseEventObject, streamCut } from './errors.ts';
import type { Completion, GatewayEvent, StreamDecoder } from './events.ts';
import { normalizeUsage } from './usage.ts';

interface ResponseJson {
  status?: unknown;
  output?: Array<{ type?: unknown; content?: Array<{ type?: unknown; text?: unknown }> }>;
  usage?: unknown;
  error?: unknown;
  incomplete_details?: { reason?: unknown } | null;
}

const list = <T>(value: T[] | undefined): Array<T | null | undefined> => (Array.isArray(value) ? value : []);

function outputText(response: ResponseJson): string {
  let text = '';
  for (const item of list(response.output)) {
    if (item?.type !== 'message') continue;
    for (const part of list(item.content)) {
      if (part?.type === 'output_text' && typeof part.text === 'string') text += part.text;
    }
  }
  return text;
}

function finishReasonOf(response: ResponseJson): string | null {
  if (response.status === 'completed') return 'stop';
  if (response.status === 'incomplete') {
    const reason = response.incomplete_details?.reason;
    return reason === 'max_output_tokens' ? 'length' : typeof reason === 'string' ? reason : 'incomplete';
  }
  return null;
}

/**
 * A non-streaming Response object; `status: "failed"` is an error even under HTTP 200, and a body with neither
 * a status nor an output list is no answer at all (UPSTREAM_FAILED).
 */
export function parseResponse(json: unknown): Completion | { failed: ReturnType<typeof inBandFailure> } {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { failed: malformedAnswer('a response that is not a JSON object') };
  }
  const response = json as ResponseJson;
  if (response.status === 'failed' || (response.error !== undefined && response.error !== null)) {
    return { failed: inBandFailure(response.error) };
  }
  if (typeof response.status !== 'string' && !Array.isArray(response.output)) {
    return { failed: malformedAnswer('a response without status or output') };
  }
  return { text: outputText(response), finishReason: finishReasonOf(response), usage: normalizeUsage(response.usage) };
}

/** `event: response.*` blocks. Only the final response object's usage counts (in-progress ones are zeros). */
export function createResponsesDecoder(): StreamDecoder {
  let text = '';
  let done = false;

  return {
    decode(event, data) {
      if (done || data === '[DONE]') return [];
      const type = event ?? '';
      const relevant =
        type === 'response.output_text.delta' ||
        type === 'response.completed' ||
        type === 'response.incomplete' ||
        type === 'response.failed' ||
        type === 'error';
      if (!relevant) return [];
      const json = parseEventObject(data);
      if (!json) {
        done = true;
        return [{ type: 'failed', error: malformedEvent() }];
      }
      if (type === 'response.output_text.delta') {
        const delta = json.delta;
        if (typeof delta !== 'string' || delta.length === 0) return [];
        text += delta;
        return [{ type: 'delta', text: delta }];
      }
      if (type === 'response.completed' || type === 'response.incomplete') {
        done = true;
        const inner = json.response;
        const response = (inner !== null && typeof inner === 'object' ? inner : {}) as ResponseJson;
        const finalText = outputText(response);
        return [
          {
            type: 'completed',
            text: finalText.length >= text.length ? finalText : text,
            finishReason: finishReasonOf(response),
            usage: normalizeUsage(response.usage),
          },
        ];
      }
      if (type === 'response.failed' || type === 'error') {
        done = true;
        const parsed = json as { response?: ResponseJson | null; error?: unknown };
        return [{ type: 'failed', error: inBandFailure(parsed.response?.error ?? parsed.error ?? parsed) }];
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
