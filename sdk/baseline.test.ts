import { describe, expect, it } from 'vitest';
import { findBaselineViolations } from './baseline.ts';

describe('findBaselineViolations', () => {
  it('accepts ES2017', () => {
    expect(findBaselineViolations('var a = async function () { await 1; }; var b = { URL: 1 }; b.URL;')).toEqual([]);
  });

  it.each([
    'a?.b',
    'a ?? b',
    'var o = { ...a }',
    'async function* g() {}',
    'async function f() { for await (const x of y) {} }',
    'class A { x = 1 }',
    'try {} catch {}',
    '/(?<=a)b/',
  ])('rejects %s', (code) => {
    expect(findBaselineViolations(code)[0]).toMatch(/^not ES2017/);
  });

  it('rejects dynamic code and missing globals', () => {
    expect(findBaselineViolations('eval("1"); new Function("x"); new TextDecoder(); fetch(u)')).toEqual([
      'uses eval',
      'uses Function',
      'uses TextDecoder',
      'uses fetch',
    ]);
  });
});
