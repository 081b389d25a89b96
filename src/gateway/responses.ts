import { inBandFailure, streamCut } from './errors.ts';
import type { Completion, GatewayEvent, StreamDecoder } from './events.ts';
import { normalizeUsage } from './usage.ts';

interface ResponseJson {
  status?: unknown;
  output?: Array<{ type?: unknown; content?: Array<{ type?: unknown; text?: unknown }> }>;
  usage?: unknown;
  error?: unknown;
  incomplete_details?: { reason?: unknown } | null;
}

function outputText(response: ResponseJson): string {
  let text = '';
  for (const item of response.output ?? []) {
    if (item.type !== 'message') continue;
    for (const part of item.content ?? []) {
      if (part.type === 'output_text' && typeof part.text === 'string') text += part.text;
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

/** A non-streaming Response object; `status: "failed"` is an error even under HTTP 200. */
export function parseResponse(json: unknown): Completion | { failed: ReturnType<typeof inBandFailure> } {
  const response = (json ?? {}) as ResponseJson;
  if (response.status === 'failed' || (response.error !== undefined && response.error !== null)) {
    return { failed: inBandFailure(response.error) };
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
      if (type === 'response.output_text.delta') {
        const delta = (JSON.parse(data) as { delta?: unknown }).delta;
        if (typeof delta !== 'string' || delta.length === 0) return [];
        text += delta;
        return [{ type: 'delta', text: delta }];
      }
      if (type === 'response.completed' || type === 'response.incomplete') {
        done = true;
        const response = ((JSON.parse(data) as { response?: ResponseJson }).response ?? {}) as ResponseJson;
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
        const parsed = JSON.parse(data) as { response?: ResponseJson; error?: unknown; message?: unknown };
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
