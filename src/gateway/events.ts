import type { Usage } from '../contract/chat.ts';
import type { AppError } from '../contract/errors.ts';

export interface Completion {
  text: string;
  finishReason: string | null;
  usage: Usage | null;
  /**
   * Images/files the agent produced (ws only), downloaded from the gateway: bytes and what names them, never the
   * gateway's own URL or a host path. Only when the request asked to keep media (see GatewayChatRequest.keepMedia).
   */
  media?: GeneratedMedia[];
}

/** One generated artifact, downloaded. */
export interface GeneratedMedia {
  kind: 'image' | 'file';
  /** A bare file name (no directories), safe to show. */
  name: string;
  mimeType: string;
  bytes: Uint8Array;
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
