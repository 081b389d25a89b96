import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceExtract } from '../../test/helpers/output-attachments-oracle.ts';
import { extractOutputAttachments, type ScanCounter } from './output-attachments.ts';

describe('extractOutputAttachments', () => {
  it('returns [] for text without links', () => {
    expect(extractOutputAttachments('')).toEqual([]);
    expect(extractOutputAttachments('你好！这是一个普通的回答。')).toEqual([]);
  });

  it('markdown images are images whatever their extension, named by their alt text', () => {
    expect(
      extractOutputAttachments(
        'Here: ![a cat](https://cdn.example.com/cat.png) and ![](https://img.example.com/render?id=7)',
      ),
    ).toEqual([
      { type: 'image', url: 'https://cdn.example.com/cat.png', name: 'a cat' },
      { type: 'image', url: 'https://img.example.com/render?id=7' },
    ]);
  });

  it('markdown links to image files are images; links to documents are files named by their label', () => {
    expect(
      extractOutputAttachments(
        '[photo](https://x.example/p/photo.JPG) [季度报告](https://x.example/r/q3.pdf "Q3") [data](<https://x.example/d.csv>)',
      ),
    ).toEqual([
      { type: 'image', url: 'https://x.example/p/photo.JPG', name: 'photo' },
      { type: 'file', url: 'https://x.example/r/q3.pdf', name: '季度报告' },
      { type: 'file', url: 'https://x.example/d.csv', name: 'data' },
    ]);
  });

  it('a file link with an empty label is named from the URL path (percent-decoded)', () => {
    expect(extractOutputAttachments('[](https://x.example/files/%E6%8A%A5%E5%91%8A.docx?sig=1)')).toEqual([
      { type: 'file', url: 'https://x.example/files/%E6%8A%A5%E5%91%8A.docx?sig=1', name: '报告.docx' },
    ]);
  });

  it('non-media links are ignored (markdown and bare)', () => {
    expect(
      extractOutputAttachments(
        'See [the docs](https://docs.example.com/guide) or https://example.com/page.html and https://example.com/',
      ),
    ).toEqual([]);
  });

  it('the extension must end the path, not the query', () => {
    expect(extractOutputAttachments('https://example.com/view?file=a.png')).toEqual([]);
    expect(extractOutputAttachments('https://example.com/a.png?w=100#frag')).toEqual([
      { type: 'image', url: 'https://example.com/a.png?w=100#frag' },
    ]);
  });

  it('bare URLs lose trailing ASCII punctuation', () => {
    expect(
      extractOutputAttachments(
        'Look: https://a.example/1.png. Also https://a.example/2.pdf, https://a.example/3.gif! Done?',
      ),
    ).toEqual([
      { type: 'image', url: 'https://a.example/1.png' },
      { type: 'file', url: 'https://a.example/2.pdf', name: '2.pdf' },
      { type: 'image', url: 'https://a.example/3.gif' },
    ]);
  });

  it('bare URLs lose trailing Chinese punctuation', () => {
    expect(extractOutputAttachments('请看 https://a.example/猫.jpg。')).toEqual([
      { type: 'image', url: 'https://a.example/猫.jpg' },
    ]);
    expect(extractOutputAttachments('文件 https://a.example/b.pdf！')).toEqual([
      { type: 'file', url: 'https://a.example/b.pdf', name: 'b.pdf' },
    ]);
  });

  it('Chinese punctuation ends a bare URL even when Chinese text follows without a space', () => {
    expect(
      extractOutputAttachments(
        '图片：https://a.example/猫.jpg。文件：https://a.example/b.xlsx，还有https://a.example/c.mp4！',
      ),
    ).toEqual([
      { type: 'image', url: 'https://a.example/猫.jpg' },
      { type: 'file', url: 'https://a.example/b.xlsx', name: 'b.xlsx' },
      { type: 'file', url: 'https://a.example/c.mp4', name: 'c.mp4' },
    ]);
  });

  it('bare URLs stop at brackets and quotes', () => {
    expect(extractOutputAttachments('(see https://a.example/x.png) "https://a.example/y.pdf"')).toEqual([
      { type: 'image', url: 'https://a.example/x.png' },
      { type: 'file', url: 'https://a.example/y.pdf', name: 'y.pdf' },
    ]);
  });

  it('deduplicates: a markdown image and the same bare URL give one attachment (the markdown one)', () => {
    expect(
      extractOutputAttachments(
        '![chart](https://a.example/c.png)\nDirect link: https://a.example/c.png\nAgain: https://a.example/c.png.',
      ),
    ).toEqual([{ type: 'image', url: 'https://a.example/c.png', name: 'chart' }]);
  });

  it('the URL inside a markdown link is not extracted a second time as a bare URL', () => {
    expect(extractOutputAttachments('[report](https://a.example/r.pdf)')).toHaveLength(1);
  });

  it('returns attachments in text order', () => {
    expect(
      extractOutputAttachments('First https://a.example/1.png then ![second](https://a.example/2.png)').map(
        (a) => a.url,
      ),
    ).toEqual(['https://a.example/1.png', 'https://a.example/2.png']);
  });

  it('property: every result URL occurs in the text and is unique', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        ' ',
        '。',
        '，',
        '.',
        '\n',
        'https://a.example/x.png',
        'https://a.example/y.pdf',
        '![i](https://b.example/z)',
        '[f](https://b.example/f.zip)',
        '(',
        ')',
      ),
      fc.string({ maxLength: 5 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
        const text = pieces.join('');
        const out = extractOutputAttachments(text);
        const urls = out.map((a) => a.url);
        expect(new Set(urls).size).toBe(urls.length);
        for (const a of out) {
          expect(text).toContain(a.url);
          expect(a.url).toMatch(/^https?:\/\//);
          expect(a.url).not.toMatch(/[.,;:!?，。；：！？]$/u);
        }
      }),
    );
  });

  it('property: the one-pass scanner finds exactly what the original regexes found', () => {
    const piece = fc.constantFrom(
      '[',
      ']',
      '(',
      ')',
      '![',
      '](',
      '<',
      '>',
      '"',
      ' ',
      '\n',
      '.',
      '。',
      '!',
      'http',
      's',
      '://',
      'https://a.example/x.png',
      'a.pdf',
      'x',
      '%E6',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(extractOutputAttachments(text)).toEqual(referenceExtract(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: work is linear in the text length, whatever the text', () => {
    const unit = fc.constantFrom(
      '[',
      '](',
      '](http://',
      '](https://a ',
      '"',
      ' ',
      '.',
      '。',
      'http ',
      'https://a',
      '!',
      '<',
      '>',
    );
    fc.assert(
      fc.property(
        fc.array(unit, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 200, max: 3000 }),
        (units, repeat) => {
          const text = `http ${units.join('').repeat(repeat)}x`;
          const counter: ScanCounter = { steps: 0 };
          extractOutputAttachments(text, counter);
          expect(counter.steps).toBeLessThanOrEqual(12 * text.length + 16);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('known quadratic inputs of the regex version take a linear number of steps', () => {
    for (const text of [
      `http ${'['.repeat(100_000)}`,
      `https://a.example/x${'.'.repeat(100_000)}png`,
      `[a${'](http://'.repeat(20_000)}`,
      `[a](http://x ${'"'.repeat(50_000)}`,
    ]) {
      const counter: ScanCounter = { steps: 0 };
      extractOutputAttachments(text, counter);
      expect(counter.steps).toBeLessThanOrEqual(12 * text.length);
    }
  });
});
