import type { GatewayMedia } from '../events.ts';

/** What one `chat`/`agent` event frame of our run means to us (the protocol's own shapes stay in here). */
export type WsRunEvent =
  | { type: 'delta'; text: string }
  | { type: 'final'; text: string; stopReason: string | null }
  | { type: 'error'; message: string }
  | { type: 'aborted' }
  /** The answer named media (a MEDIA: line): its artifacts reach chat.history shortly after the final. */
  | { type: 'media-pending' }
  | { type: 'tool'; name: string; phase: 'started' | 'finished'; title: string | null; status: string | null };

type Payload = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Joins the text blocks of a chat message (`content` is a string or a list of typed blocks). */
export function messageText(message: unknown): string {
  if (!message || typeof message !== 'object') return '';
  const content = (message as { content?: unknown }).content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is { type: 'text'; text: string } => b?.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text)
    .join('');
}

/** The run a frame belongs to; frames of other runs (every operator connection sees them all) are dropped. */
export function runIdOf(payload: unknown): string | undefined {
  return payload && typeof payload === 'object' ? str((payload as Payload).runId) : undefined;
}

function chatEvent(payload: Payload): WsRunEvent | undefined {
  switch (payload.state) {
    case 'delta': {
      const text = str(payload.deltaText) ?? '';
      return text === '' ? undefined : { type: 'delta', text };
    }
    case 'final':
      return { type: 'final', text: messageText(payload.message), stopReason: str(payload.stopReason) ?? null };
    case 'error':
      return { type: 'error', message: str(payload.errorMessage) ?? 'The agent run failed.' };
    case 'aborted':
      return { type: 'aborted' };
    default:
      return undefined;
  }
}

/** Tool progress from `agent stream:"item"` (name and title only, never arguments or results), and media notice. */
function agentEvent(payload: Payload): WsRunEvent | undefined {
  const data = payload.data as Payload | undefined;
  if (payload.stream === 'assistant' && Array.isArray(data?.mediaUrls) && data.mediaUrls.length > 0) {
    return { type: 'media-pending' };
  }
  if (payload.stream !== 'item') return undefined;
  if (data?.kind !== 'tool') return undefined;
  const name = str(data.name);
  if (!name || (data.phase !== 'start' && data.phase !== 'end')) return undefined;
  return {
    type: 'tool',
    name: name.slice(0, 128),
    phase: data.phase === 'start' ? 'started' : 'finished',
    title: str(data.title)?.slice(0, 256) ?? null,
    status: str(data.status)?.slice(0, 64) ?? null,
  };
}

/** Maps one event frame of our run; undefined for frames that carry nothing we relay. */
export function decodeRunEvent(event: string, payload: unknown): WsRunEvent | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  if (event === 'chat') return chatEvent(payload as Payload);
  if (event === 'agent') return agentEvent(payload as Payload);
  return undefined;
}

/** The image/file blocks of one transcript row, reduced to what names them (no gateway URLs, no host paths). */
export function mediaBlocks(row: unknown): GatewayMedia[] {
  const content = (row as { content?: unknown })?.content;
  if (!Array.isArray(content)) return [];
  const media: GatewayMedia[] = [];
  for (const block of content.slice(0, 64)) {
    if ((block?.type !== 'image' && block?.type !== 'file') || typeof block.artifactId !== 'string') continue;
    media.push({
      kind: block.type,
      artifactId: block.artifactId.slice(0, 256),
      mimeType: str(block.mimeType)?.slice(0, 128) ?? null,
      name: (str(block.alt) ?? str(block.title) ?? str(block.fileName))?.slice(0, 255) ?? null,
      sizeBytes: typeof block.sizeBytes === 'number' ? block.sizeBytes : null,
    });
  }
  return media;
}
