import { describe, expect, it } from 'vitest';
import { mimeTypeFromFileName } from './mime.ts';

describe('mimeTypeFromFileName', () => {
  it.each([
    ['notes.txt', 'text/plain'],
    ['README.MD', 'text/markdown'],
    ['page.html', 'text/html'],
    ['table.csv', 'text/csv'],
    ['data.json', 'application/json'],
    ['paper.pdf', 'application/pdf'],
    ['photo.JPG', 'image/jpeg'],
    ['photo.jpeg', 'image/jpeg'],
    ['icon.png', 'image/png'],
    ['anim.gif', 'image/gif'],
    ['pic.webp', 'image/webp'],
    ['IMG_0001.HEIC', 'image/heic'],
    ['shot.heif', 'image/heif'],
    ['archive.tar.gz', undefined],
    ['noextension', undefined],
    ['trailingdot.', undefined],
  ])('%s → %s', (name, expected) => {
    expect(mimeTypeFromFileName(name)).toBe(expected);
  });
});
