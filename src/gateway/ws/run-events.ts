/**
 * A generated artifact as chat.history names it. `path` is the gateway's own media URL: used to download the bytes
 * when artifacts.download is unavailable, never passed on.
 */
export interface ArtifactRef {
  kind: 'image' | 'file';
  artifactId: string;
  mimeType: string | null;
  name: string | null;
  sizeBytes: number | null;
  path: string | null;
}

/** What one `chat`/`agent` event frame of our run means to us (the protocol's own shapes stay in here). */
export type WsRunEvent =
  | { type: 'delta'; text: string }
  | { type: 'final'; text: string; stopReason: string | null }
  | { type: 'error'; message: string }
  | { type: 'aborted' }
  /** The answer named `count` media (MEDIA: lines): their artifacts reach chat.history shortly after the final. */
  | { type: 'media-pending'; count: number }
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
    return { type: 'media-pending', count: Math.min(data.mediaUrls.length, 64) };
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

/**
 * The image/file blocks of one transcript row, and how many media failed on the gateway (`attachment_error`
 * blocks: a remote MEDIA: URL it could not fetch), so a wait for them can end.
 */
export function mediaBlocks(row: unknown): { refs: ArtifactRef[]; failed: number } {
  const content = (row as { content?: unknown })?.content;
  const refs: ArtifactRef[] = [];
  let failed = 0;
  if (!Array.isArray(content)) return { refs, failed };
  for (const block of content.slice(0, 64)) {
    if (block?.type === 'attachment_error') failed++;
    if ((block?.type !== 'image' && block?.type !== 'file') || typeof block.artifactId !== 'string') continue;
    refs.push({
      kind: block.type,
      artifactId: block.artifactId.slice(0, 256),
      mimeType: str(block.mimeType)?.slice(0, 128) ?? null,
      name: (str(block.alt) ?? str(block.title) ?? str(block.fileName))?.slice(0, 255) ?? null,
      sizeBytes: typeof block.sizeBytes === 'number' ? block.sizeBytes : null,
      path: str(block.url)?.slice(0, 2048) ?? null,
    });
  }
  return { refs, failed };
}
