import { describe, expect, it } from 'vitest';
import { safeName } from './artifact-download.ts';

describe('safeName', () => {
  it('keeps a bare name, dropping directories (host paths never reach a client)', () => {
    expect(safeName('cat.png', 'x')).toBe('cat.png');
    expect(safeName('/home/agent/state/workspace/media/cat.png', 'x')).toBe('cat.png');
    expect(safeName('C:\\Users\\agent\\report.pdf', 'x')).toBe('report.pdf');
  });

  it('strips control characters and quotes, and falls back for empty or dot names', () => {
    expect(safeName('\u0007ca"t\n.png', 'x')).toBe('cat.png');
    expect(safeName(null, 'image-1.png')).toBe('image-1.png');
    expect(safeName('dir/', 'file-1')).toBe('file-1');
    expect(safeName('..', 'file-1')).toBe('file-1');
  });

  it('bounds the length', () => {
    expect(safeName(`${'a'.repeat(1000)}.png`, 'x')).toHaveLength(255);
  });
});
