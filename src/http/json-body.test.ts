import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Base64Blob } from '../contract/base64-blob.ts';
import { restoreBlobs, splitLargeBase64 } from './json-body.ts';

/** Parses like the REST parser does, then turns blobs back into text for comparison. */
function roundTrip(text: string, cuts: readonly number[], minLength: number): unknown {
  const bytes = Buffer.from(text, 'utf8');
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    if (p > last) chunks.push(bytes.subarray(last, p));
    last = Math.max(last, p);
  }
  const { skeleton, blobs } = splitLargeBase64(chunks, minLength);
  return JSON.parse(JSON.stringify(restoreBlobs(JSON.parse(skeleton), blobs)));
}

const base64Text = fc.uint8Array({ minLength: 1, maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString('base64'));
const anyText = fc.oneof(
  fc.string({ maxLength: 30 }),
  base64Text,
  fc.constantFrom('\\"AAAA', 'AAAA\\"', '"', '\\', '你好🚀'),
);
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    anyText,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('data', 'content', 'name', 'x'), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('splitLargeBase64 + restoreBlobs', () => {
  it('parses any JSON split anywhere exactly like JSON.parse', () => {
    fc.assert(
      fc.property(
        jsonValue,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        (value, cuts, min) => {
          const text = JSON.stringify(value);
          expect(roundTrip(text, cuts, min)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('keeps long attachment payloads as views on the body chunks, other long literals as strings', () => {
    const data = Buffer.alloc(300, 7).toString('base64');
    const text = JSON.stringify({ messages: [{ content: data }], attachments: [{ type: 'image', data }] });
    const bytes = Buffer.from(text);
    const chunks = [bytes.subarray(0, 100), bytes.subarray(100, 350), bytes.subarray(350)];
    const { skeleton, blobs } = splitLargeBase64(chunks, 100);
    expect(blobs).toHaveLength(2);
    expect(skeleton.length).toBeLessThan(200);
    const body = restoreBlobs(JSON.parse(skeleton), blobs) as {
      messages: Array<{ content: unknown }>;
      attachments: Array<{ data: unknown }>;
    };
    expect(body.messages[0]!.content).toBe(data);
    const blob = body.attachments[0]!.data as Base64Blob;
    expect(blob).toBeInstanceOf(Base64Blob);
    expect(blob.toString()).toBe(data);
    expect(blob.chunks.every((c) => c.buffer === bytes.buffer)).toBe(true);
    expect(blob.head(8)).toBe(data.slice(0, 8));
    expect(blob.tail(3)).toBe(data.slice(-3));
    expect(blob.firstPad).toBe(data.indexOf('='));
  });

  it('does not treat escaped quotes or strings with escapes as payloads', () => {
    const text = JSON.stringify({ data: `\\"${'A'.repeat(200)}`, other: `${'B'.repeat(200)}"` });
    const { blobs } = splitLargeBase64([Buffer.from(text)], 100);
    expect(blobs).toHaveLength(0);
  });

  it('a forged marker in client text stays text', () => {
    const { skeleton, blobs } = splitLargeBase64([Buffer.from('{"data":"\\u0000deadbeefdeadbeef:0"}')], 4);
    expect(restoreBlobs(JSON.parse(skeleton), blobs)).toEqual({ data: '\u0000deadbeefdeadbeef:0' });
  });
});
