import { describe, expect, it } from 'vitest';
import { titleFrom } from './conversation-title.ts';

const input = (content: string, attachments: { type: 'image' | 'file' }[] = []) =>
  ({ messages: [{ role: 'user' as const, content }], attachments }) as Parameters<typeof titleFrom>[0];

describe('titleFrom', () => {
  it('collapses whitespace and cuts to 30 characters', () => {
    expect(titleFrom(input('  hello\n\n  world\t again  '))).toBe('hello world again');
    expect(titleFrom(input('x'.repeat(100)))).toBe('x'.repeat(30));
  });

  it('counts code points, never splitting an emoji', () => {
    const title = titleFrom(input(`${'你'.repeat(29)}😀😀`));
    expect(Array.from(title)).toHaveLength(30);
    expect(title.endsWith('😀')).toBe(true);
  });

  it('names attachment-only turns by kind', () => {
    expect(titleFrom(input('  ', [{ type: 'image' }]))).toBe('Image');
    expect(titleFrom(input('', [{ type: 'file' }]))).toBe('File');
  });
});
