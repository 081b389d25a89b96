import { describe, expect, it } from 'vitest';
import { newId } from './ids.ts';

describe('newId', () => {
  it('is the kind, the time in ms and 24 random hex digits, ordered by time', () => {
    const before = Date.now();
    const ids = Array.from({ length: 1000 }, () => newId('m'));
    for (const id of ids) expect(id).toMatch(/^m_[0-9a-f]{36}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const ms = Number.parseInt(ids[0]!.slice(2, 14), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
    expect(ids.map((id) => id.slice(2, 14))).toEqual(ids.map((id) => id.slice(2, 14)).sort());
    // The random part is not constant digits (the UUID's version and variant are left out).
    expect(new Set(ids.map((id) => id[14])).size).toBeGreaterThan(8);
    expect(new Set(ids.map((id) => id[26])).size).toBeGreaterThan(8);
  });
});
