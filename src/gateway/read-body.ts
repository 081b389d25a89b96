import type { Dispatcher } from 'undici';
import { upstreamTooLarge } from './errors.ts';

type Body = Dispatcher.ResponseData['body'];

/**
 * Reads a gateway body up to `limit` bytes. Past it, the body is destroyed (the connection closes, nothing more is
 * buffered) and `overflow` decides: `fail` throws UPSTREAM_FAILED, `truncate` returns the first `limit` bytes.
 */
export async function readBodyText(
  body: Body,
  limit: number,
  overflow: 'fail' | 'truncate',
  what = 'answer',
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > limit) {
      body.destroy();
      if (overflow === 'fail') throw upstreamTooLarge(what, limit);
      chunks.push(chunk.subarray(0, limit - size));
      size = limit;
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
