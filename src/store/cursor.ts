import { AppError } from '../contract/errors.ts';

/**
 * Opaque Relay cursors: a keyset position (never an offset), so pages stay stable while rows are inserted.
 * Clients must treat them as strings; the tag keeps a conversation cursor from being used on messages.
 */
export function encodeCursor(tag: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([tag, ...key])).toString('base64url');
}

export function decodeCursor(tag: string, cursor: string, shape: readonly ('string' | 'number')[]): unknown[] {
  const invalid = () => new AppError('INVALID_INPUT', 'Invalid cursor: pass a cursor exactly as this API returned it.');
  if (cursor.length > 512) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed[0] !== tag || parsed.length !== shape.length + 1) throw invalid();
  const key = parsed.slice(1);
  if (!key.every((value, i) => typeof value === shape[i])) throw invalid();
  return key;
}
