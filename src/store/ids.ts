import { randomUUID } from 'node:crypto';

let lastMs = -1;
let lastHex = '';

/**
 * Opaque, unguessable ids: the creation time in ms (12 hex digits) then 96 random bits, prefixed by kind so logs
 * and support requests stay readable. Time first keeps inserts at the right edge of every index (few pages written
 * per commit) where random keys would touch a different page each time. randomUUID draws from a pooled entropy cache.
 */
export function newId(prefix: 'c' | 'm' | 'a' | 'u' | 's'): string {
  const now = Date.now();
  // Ids made in the same millisecond share the time digits (a number's hex conversion is not free).
  if (now !== lastMs) {
    lastMs = now;
    lastHex = now.toString(16).padStart(12, '0');
  }
  // xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx: 24 random hex digits, the version and variant left out.
  const uuid = randomUUID();
  return `${prefix}_${lastHex}${uuid.slice(0, 8)}${uuid.slice(9, 13)}${uuid.slice(24)}`;
}
