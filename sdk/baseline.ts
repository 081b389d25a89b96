import { parse } from 'acorn';
import { simple } from 'acorn-walk';

/** APIs a mini-program logic layer lacks on real phones (the developer tools have some of them). */
export const MINIPROGRAM_ABSENT_GLOBALS = [
  'require',
  'process',
  'Buffer',
  'fetch',
  'XMLHttpRequest',
  'EventSource',
  'TextDecoder',
  'TextEncoder',
  'AbortController',
  'ReadableStream',
  'Headers',
  'URL',
  'URLSearchParams',
];

/** Identifiers the bundle must not use: absent on phones, or rejected by review (dynamic code). */
const FORBIDDEN_GLOBALS = ['eval', 'Function', 'globalThis', ...MINIPROGRAM_ABSENT_GLOBALS];

/**
 * Problems that would break the bundle on the oldest supported phones (iOS 11 / Chrome 66): acorn at ES2017 rejects
 * any later syntax (`?.`, `??`, object spread, async iteration, class fields, optional catch, ES2018 regex features).
 */
export function findBaselineViolations(code: string): string[] {
  let ast: ReturnType<typeof parse>;
  try {
    ast = parse(code, { ecmaVersion: 2017, sourceType: 'script' });
  } catch (error) {
    return [`not ES2017: ${(error as Error).message}`];
  }
  const found = new Set<string>();
  // acorn-walk reports only identifiers in expression position: not `x.URL`, `{ URL: 1 }` or declarations.
  simple(ast, {
    Identifier(node) {
      if (FORBIDDEN_GLOBALS.indexOf(node.name) !== -1) found.add(`uses ${node.name}`);
    },
  });
  return [...found];
}
