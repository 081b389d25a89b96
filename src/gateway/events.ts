import type { Usage } from '../contract/chat.ts';
import type { AppError } from '../contract/errors.ts';

export interface Completion {
  text: string;
  finishReason: string | null;
  usage: Usage | null;
  /**
   * Images/files the agent produced (ws only), as the gateway's artifact references. Seam for the conversation
   * store (next phase), which downloads them with artifacts.download and serves signed URLs; unused until then.
   */
  media?: GatewayMedia[];
}

/** A generated artifact: never the gateway's own URL or host path, only what names it. */
export interface GatewayMedia {
  kind: 'image' | 'file';
  artifactId: string;
  mimeType: string | null;
  name: string | null;
  sizeBytes: number | null;
}

/** The one internal event stream both SSE dialects are parsed into. */
export type GatewayEvent =
  | { type: 'delta'; text: string }
  | ({ type: 'completed' } & Completion)
  | { type: 'failed'; error: AppError }
  /** Tool progress (ws transport only): name and title, never arguments or results. */
  | { type: 'tool'; name: string; phase: 'started' | 'finished'; title: string | null; status: string | null };

/** Turns one SSE message of a dialect into zero or more events; stateful per stream. */
export interface StreamDecoder {
  decode(event: string | undefined, data: string): GatewayEvent[];
  /** Called when the body ended; yields a failure if the stream was cut before its final event. */
  finish(): GatewayEvent[];
}
