import { randomUUID } from 'node:crypto';

/**
 * Opaque, unguessable ids: the creation time in ms (12 hex digits) then 96 random bits, prefixed by kind so logs
 * and support requests stay readable. Time first keeps inserts at the right edge of every index (few pages written
 * per commit) where random keys would touch a different page each time. randomUUID draws from a pooled entropy cache.
 */
export function newId(prefix: 'c' | 'm' | 'a' | 'u' | 's'): string {
  const random = randomUUID().replaceAll('-', '');
  // Skip the UUID's version (12) and variant (16) digits: 24 random hex digits remain.
  return `${prefix}_${Date.now().toString(16).padStart(12, '0')}${random.slice(0, 12)}${random.slice(13, 16)}${random.slice(17, 26)}`;
}
