import type { Usage } from '../contract/chat.ts';

const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.trunc(value) : undefined;

/**
 * Both gateway shapes into one Usage: chat completions (`prompt_tokens`/`completion_tokens`) and
 * responses (`input_tokens`/`output_tokens`). Null when the gateway reported nothing usable: we
 * never invent zeros. The responses stream's in-progress snapshots carry all-zero usage; callers
 * only read usage from final objects.
 */
export function normalizeUsage(raw: unknown): Usage | null {
  if (raw === null || typeof raw !== 'object') return null;
  const u = raw as Record<string, unknown>;
  const inputTokens = count(u.input_tokens) ?? count(u.prompt_tokens);
  const outputTokens = count(u.output_tokens) ?? count(u.completion_tokens);
  if (inputTokens === undefined && outputTokens === undefined) return null;
  const input = inputTokens ?? 0;
  const output = outputTokens ?? 0;
  return { inputTokens: input, outputTokens: output, totalTokens: count(u.total_tokens) ?? input + output };
}
