import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makePng } from '../../test/helpers/media.ts';
import { loadConfig } from '../config/env.ts';
import type { AttachmentInput } from '../contract/chat.ts';
import { AppError } from '../contract/errors.ts';
import { type AttachmentLimits, FILE_MIME_TYPES, IMAGE_MIME_TYPES, mimeTypeFromFileName } from '../contract/limits.ts';
import { decodedLength, sniffImage, validateAttachments } from './attachments.ts';

/** The configured defaults: the one place they are written is env.ts's schema. */
const DEFAULT_ATTACHMENT_LIMITS = loadConfig({ ALLOW_ANONYMOUS: 'true' }).limits;

// ---- real tiny files -------------------------------------------------------------------------

const GIF = Buffer.from(
  '47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b',
  'hex',
);
/** A 1×1 lossless WebP. */
const WEBP = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
/** JPEG: SOI + JFIF APP0 + EOI (enough for any signature check). */
const JPEG = Buffer.concat([
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
  Buffer.from('JFIF\0', 'latin1'),
  Buffer.from([0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9]),
]);
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);
/** HEIC: ISO BMFF `ftyp` box with the `heic` brand. */
const HEIC = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')]);

const PNG = makePng(1, 1);
const b64 = (buf: Buffer) => buf.toString('base64');

const image = (data: Buffer | string, mimeType: string, name?: string): AttachmentInput => ({
  type: 'image',
  data: typeof data === 'string' ? data : b64(data),
  mimeType,
  ...(name === undefined ? {} : { name }),
});
const file = (name: string, data: Buffer | string | undefined, mimeType?: string, url?: string): AttachmentInput => ({
  type: 'file',
  name,
  ...(data === undefined ? {} : { data: typeof data === 'string' ? data : b64(data) }),
  ...(mimeType === undefined ? {} : { mimeType }),
  ...(url === undefined ? {} : { url }),
});

function rejects(attachments: AttachmentInput[], limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS): AppError {
  try {
    validateAttachments(attachments, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  return expect.fail('validateAttachments accepted the input');
}

// ---- tests -----------------------------------------------------------------------------------

describe('validateAttachments: accepted inputs', () => {
  it.each([
    ['PNG', PNG, 'image/png'],
    ['JPEG', JPEG, 'image/jpeg'],
    ['GIF', GIF, 'image/gif'],
    ['WebP', WEBP, 'image/webp'],
    ['HEIC', HEIC, 'image/heic'],
  ] as const)('a real %s image', (_label, bytes, mime) => {
    expect(validateAttachments([image(bytes, mime)], DEFAULT_ATTACHMENT_LIMITS)).toEqual([
      { kind: 'image', mimeType: mime, data: b64(bytes), bytes: bytes.length },
    ]);
  });

  it('normalizes image/jpg and upper case to image/jpeg', () => {
    expect(validateAttachments([image(JPEG, 'IMAGE/JPG')], DEFAULT_ATTACHMENT_LIMITS)[0]).toMatchObject({
      mimeType: 'image/jpeg',
    });
  });

  it('a PDF file', () => {
    expect(validateAttachments([file('invoice.pdf', PDF, 'application/pdf')], DEFAULT_ATTACHMENT_LIMITS)).toEqual([
      { kind: 'file', mimeType: 'application/pdf', data: b64(PDF), bytes: PDF.length, filename: 'invoice.pdf' },
    ]);
  });

  it('an image sent as a data: URL needs no mimeType: the URL names the type', () => {
    const input: AttachmentInput = { type: 'image', data: `data:image/png;base64,${b64(PNG)}` };
    expect(validateAttachments([input], DEFAULT_ATTACHMENT_LIMITS)).toEqual([
      { kind: 'image', mimeType: 'image/png', data: b64(PNG), bytes: PNG.length },
    ]);
    expect(rejects([{ type: 'image', data: b64(PNG) }]).message).toMatch(/type is unknown.*mimeType.*data: URL/);
    expect(rejects([{ type: 'image', data: `data:image/jpeg;base64,${b64(PNG)}` }]).message).toContain(
      'says image/jpeg but the data is image/png',
    );
    expect(rejects([{ type: 'image', data: `data:image/bmp;base64,${b64(PNG)}` }]).message).toContain(
      'image type "image/bmp" is not supported',
    );
  });

  it('accepts a data: URL prefix and returns the bare base64 payload', () => {
    const [img] = validateAttachments(
      [image(`data:image/png;base64,${b64(PNG)}`, 'image/png')],
      DEFAULT_ATTACHMENT_LIMITS,
    );
    expect(img).toEqual({ kind: 'image', mimeType: 'image/png', data: b64(PNG), bytes: PNG.length });
    const [pdf] = validateAttachments(
      [file('x', `data:application/pdf;base64,${b64(PDF)}`)],
      DEFAULT_ATTACHMENT_LIMITS,
    );
    expect(pdf).toEqual({
      kind: 'file',
      mimeType: 'application/pdf',
      data: b64(PDF),
      bytes: PDF.length,
      filename: 'x',
    });
  });

  it('strips whitespace that only appears after the first KiB (e.g. a trailing newline)', () => {
    const long = Buffer.concat([PNG, Buffer.alloc(2000)]);
    expect(validateAttachments([image(`${b64(long)}\n`, 'image/png')], DEFAULT_ATTACHMENT_LIMITS)[0]).toMatchObject({
      data: b64(long),
      bytes: long.length,
    });
  });

  it('strips line breaks (MIME-style wrapped base64)', () => {
    const wrapped = b64(PNG).replace(/.{20}/g, '$&\r\n');
    expect(validateAttachments([image(wrapped, 'image/png')], DEFAULT_ATTACHMENT_LIMITS)[0]).toMatchObject({
      data: b64(PNG),
      bytes: PNG.length,
    });
  });

  it.each([
    ['notes.md', 'text/markdown'],
    ['README.MARKDOWN', 'text/markdown'],
    ['report.PDF', 'application/pdf'],
    ['table.csv', 'text/csv'],
    ['data.json', 'application/json'],
    ['page.htm', 'text/html'],
    ['server.log', 'text/plain'],
  ])('infers the file MIME type from the extension: %s → %s', (name, mime) => {
    const data = mime === 'application/pdf' ? PDF : Buffer.from('hello, 世界\n', 'utf8');
    expect(validateAttachments([file(name, data)], DEFAULT_ATTACHMENT_LIMITS)[0]).toMatchObject({
      kind: 'file',
      mimeType: mime,
      filename: name,
    });
  });

  it('accepts exactly maxImages images and maxFiles files', () => {
    const out = validateAttachments(
      [
        ...Array.from({ length: 8 }, () => image(PNG, 'image/png')),
        ...Array.from({ length: 4 }, () => file('a.txt', Buffer.from('x'))),
      ],
      DEFAULT_ATTACHMENT_LIMITS,
    );
    expect(out).toHaveLength(12);
  });

  it('an empty list is fine', () => {
    expect(validateAttachments([], DEFAULT_ATTACHMENT_LIMITS)).toEqual([]);
  });
});

describe('validateAttachments: rejections', () => {
  it.each([
    ['characters outside the alphabet', '!!!!'],
    ['bad length', 'iVBORw0KGgo'],
    ['url-safe alphabet', `${b64(PNG).slice(0, -4)}-_-_`],
    ['padding in the middle', 'iV==BORw'],
  ])('bad base64 (%s) → INVALID_INPUT naming the attachment', (_label, data) => {
    const error = rejects([image(data, 'image/png')]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.status).toBe(400);
    expect(error.message).toContain('attachments[0]');
    expect(error.message).toContain('base64');
  });

  it('an unsupported image MIME → INVALID_INPUT listing the allowed types', () => {
    const error = rejects([image(PNG, 'image/png'), image(PNG, 'image/bmp')]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('attachments[1]');
    expect(error.message).toContain('image/bmp');
    for (const mime of IMAGE_MIME_TYPES) expect(error.message).toContain(mime);
  });

  it('an unsupported file MIME → INVALID_INPUT listing the allowed types', () => {
    const error = rejects([file('a.docx', Buffer.from('PK\u0003\u0004'), 'application/msword')]);
    expect(error.code).toBe('INVALID_INPUT');
    for (const mime of FILE_MIME_TYPES) expect(error.message).toContain(mime);
  });

  it('an image sent as a file gets a hint to use type "image"', () => {
    const error = rejects([file('photo.png', PNG)]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('Send images as type "image"');
  });

  it('a file with an unknown extension and no MIME → INVALID_INPUT "unknown"', () => {
    const error = rejects([file('archive.bin', Buffer.from('abc'))]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('"unknown"');
  });

  it.each([
    ['JPEG declared PNG', JPEG, 'image/png', 'image/jpeg'],
    ['PNG declared WebP', PNG, 'image/webp', 'image/png'],
    ['GIF declared JPEG', GIF, 'image/jpeg', 'image/gif'],
  ])('mismatched magic bytes (%s) → INVALID_INPUT saying the real type', (_label, bytes, declared, real) => {
    const error = rejects([image(bytes, declared)]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain(declared);
    expect(error.message).toContain(real);
  });

  it('bytes that are not an image at all → INVALID_INPUT', () => {
    const error = rejects([image(Buffer.from('this is just some text, not a png'), 'image/png')]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('does not look like an image');
  });

  it('a "PDF" without the %PDF- header → INVALID_INPUT', () => {
    const error = rejects([file('fake.pdf', Buffer.from('hello'), 'application/pdf')]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('not a PDF');
  });

  it('binary data declared text/plain → INVALID_INPUT', () => {
    const error = rejects([file('notes.txt', PNG, 'text/plain')]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('binary');
  });

  it('an image over the limit → PAYLOAD_TOO_LARGE (413)', () => {
    const limits = { ...DEFAULT_ATTACHMENT_LIMITS, maxImageBytes: PNG.length - 1 };
    const error = rejects([image(PNG, 'image/png')], limits);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.status).toBe(413);
    expect(error.message).toContain('attachments[0]');
    expect(validateAttachments([image(PNG, 'image/png')], { ...limits, maxImageBytes: PNG.length })).toHaveLength(1);
  });

  it('a file over the limit → PAYLOAD_TOO_LARGE', () => {
    const error = rejects([file('big.pdf', PDF)], { ...DEFAULT_ATTACHMENT_LIMITS, maxFileBytes: 16 });
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain('big.pdf');
  });

  it('attachments that together exceed the upstream body → PAYLOAD_TOO_LARGE', () => {
    const limits = { ...DEFAULT_ATTACHMENT_LIMITS, maxUpstreamBodyBytes: 64 * 1024 + 100 };
    const error = rejects([image(PNG, 'image/png'), image(PNG, 'image/png')], limits);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a file with only a wxfile:// url and no data → INVALID_INPUT telling the client to send base64 data', () => {
    const error = rejects([file('合同.pdf', undefined, undefined, 'wxfile://tmp_8f3a1c.pdf')]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('合同.pdf');
    expect(error.message).toContain('wxfile://tmp_8f3a1c.pdf');
    expect(error.message).toContain("encoding: 'base64'");
    expect(error.message).toContain('send it as data');
  });

  it('a file with empty data → INVALID_INPUT too', () => {
    const error = rejects([file('a.txt', '')]);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('has no data');
  });

  it('too many images → INVALID_INPUT', () => {
    const error = rejects(Array.from({ length: 9 }, () => image(PNG, 'image/png')));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe('At most 8 images per message; got 9.');
  });

  it('too many files → INVALID_INPUT', () => {
    const error = rejects(
      Array.from({ length: 3 }, () => file('a.txt', Buffer.from('x'))),
      {
        ...DEFAULT_ATTACHMENT_LIMITS,
        maxFiles: 2,
      },
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe('At most 2 files per message; got 3.');
  });
});

describe('helpers', () => {
  it('sniffImage recognizes each signature and nothing else', () => {
    expect(sniffImage(PNG)).toBe('image/png');
    expect(sniffImage(JPEG)).toBe('image/jpeg');
    expect(sniffImage(GIF)).toBe('image/gif');
    expect(sniffImage(WEBP)).toBe('image/webp');
    expect(sniffImage(HEIC)).toBe('image/heic');
    expect(sniffImage(PDF)).toBeUndefined();
    expect(sniffImage(Buffer.alloc(0))).toBeUndefined();
  });

  it('mimeTypeFromFileName', () => {
    expect(mimeTypeFromFileName('a.b.JSON')).toBe('application/json');
    expect(mimeTypeFromFileName('noext')).toBeUndefined();
    expect(mimeTypeFromFileName('x.exe')).toBeUndefined();
  });

  it('decodedLength on padding edge cases', () => {
    expect(decodedLength('')).toBe(0);
    expect(decodedLength('QQ==')).toBe(1);
    expect(decodedLength('QUI=')).toBe(2);
    expect(decodedLength('QUJD')).toBe(3);
  });

  it('property: decodedLength equals the decoded byte count', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        const base64 = Buffer.from(bytes).toString('base64');
        expect(decodedLength(base64)).toBe(Buffer.from(base64, 'base64').length);
        expect(decodedLength(base64)).toBe(bytes.length);
      }),
    );
  });

  it('property: any PNG-prefixed payload round-trips through validation unchanged', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        const bytes = Buffer.concat([PNG, Buffer.from(tail)]);
        const [out] = validateAttachments([image(bytes, 'image/png')], DEFAULT_ATTACHMENT_LIMITS);
        expect(out).toEqual({ kind: 'image', mimeType: 'image/png', data: b64(bytes), bytes: bytes.length });
      }),
    );
  });
});
