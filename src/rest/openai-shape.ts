import type { ChatEvent, ChatResult, Usage } from '../contract/chat.ts';

/** The legacy client's usage names (design note §2.3). */
export function restUsage(usage: Usage | null) {
  return (
    usage && { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, total_tokens: usage.totalTokens }
  );
}

export const completionId = (runId: string) => `chatcmpl-${runId}`;

/** The non-streaming `/api/chat` answer, exactly as clawtop-minipro reads it. */
export function toChatCompletion(result: ChatResult, created = Math.floor(Date.now() / 1000)) {
  return {
    id: completionId(result.runId),
    object: 'chat.completion',
    created,
    model: result.model,
    choices: [{ index: 0, message: result.message, finish_reason: result.finishReason }],
    usage: restUsage(result.usage),
    attachments: result.attachments,
    aiGenerated: result.aiGenerated,
    label: result.label,
  };
}

/** Renders `chat.completion.chunk` frames for one run; the constant prefix is built once. */
export function chunkRenderer(runId: string, model: string, created = Math.floor(Date.now() / 1000)) {
  const head = `{"id":${JSON.stringify(completionId(runId))},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"choices":[`;
  return {
    role: () => `${head}{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}`,
    delta: (text: string) => `${head}{"index":0,"delta":{"content":${JSON.stringify(text)}},"finish_reason":null}]}`,
    finish: (result: ChatResult) =>
      `${head}{"index":0,"delta":{},"finish_reason":${JSON.stringify(result.finishReason ?? 'stop')}}],"usage":${JSON.stringify(restUsage(result.usage))},"attachments":${JSON.stringify(result.attachments)},"aiGenerated":${result.aiGenerated},"label":${JSON.stringify(result.label)}}`,
  };
}

/** Tool progress on REST streams (an `: x_tool {…}` SSE comment): name, phase, title and status, nothing else. */
export function toolProgress(event: Extract<ChatEvent, { type: 'tool' }>) {
  return { name: event.name, phase: event.phase, title: event.title, status: event.status };
}
