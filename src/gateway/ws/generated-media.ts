import type { GeneratedMedia } from '../events.ts';
import { type ArtifactDownloadOptions, downloadArtifacts } from './artifact-download.ts';
import type { WsConnection } from './connection.ts';
import { type ArtifactRef, mediaBlocks } from './run-events.ts';
import { historyRow } from './run-recovery.ts';

export interface GeneratedMediaOptions extends ArtifactDownloadOptions {
  /** After the final: how long to wait for the artifacts to reach chat.history. */
  waitMs: number;
  log?: { warn(fields: Record<string, unknown>, message: string): void };
}

const MEDIA_POLL_MS = 150;

/**
 * Artifacts appear in chat.history 170-270 ms after the final (measured), one block per MEDIA: line the answer named
 * (`expected`), or an `attachment_error` block for one the gateway failed to fetch. Polled every 150 ms until all
 * are there or `waitMs` has passed; what is there by then is returned.
 */
export async function collectMedia(
  connection: WsConnection,
  run: { runId: string; sessionKey: string; expected: number; waitMs: number },
  signal: AbortSignal,
): Promise<ArtifactRef[]> {
  const deadline = performance.now() + run.waitMs;
  while (!signal.aborted) {
    const wait = Math.min(MEDIA_POLL_MS, deadline - performance.now());
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const found = mediaBlocks(await historyRow(connection, run.runId, run.sessionKey));
    if (found.refs.length + found.failed >= run.expected || performance.now() >= deadline) return found.refs;
  }
  return [];
}

/** A run's generated media from chat.history, downloaded when the run keeps media (else only logged). */
export async function generatedMedia(
  options: GeneratedMediaOptions,
  run: { runId: string; sessionKey: string; expected: number; keep: boolean },
  signal: AbortSignal,
): Promise<GeneratedMedia[]> {
  const { connection, log } = options;
  const { runId, sessionKey, expected } = run;
  const refs = await collectMedia(connection, { runId, sessionKey, expected, waitMs: options.waitMs }, signal);
  if (refs.length === 0) {
    log?.warn(
      { runId, expected },
      'generated media named by the answer: none in the gateway transcript (failed there, or later than OPENCLAW_MEDIA_WAIT_MS)',
    );
    return [];
  }
  if (!run.keep) {
    log?.warn(
      { runId, artifacts: refs.length },
      'generated media not kept: the run belongs to no stored conversation (DATABASE_URL=none or a stateless call)',
    );
    return [];
  }
  return downloadArtifacts(options, sessionKey, refs, signal, (message, fields) =>
    log?.warn({ runId, ...fields }, message),
  );
}
