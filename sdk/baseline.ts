import { parse } from 'acorn';
import { simple } from 'acorn-walk';

/** Identifiers a mini-program logic layer lacks, or that its review rejects (dynamic code). */
const FORBIDDEN_GLOBALS = [
  'eval',
  'Function',
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
  'globalThis',
];

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
