import type { z } from 'zod';
import { AppError } from './errors.ts';

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** One readable sentence naming each failing field (at most five), for a mini-program developer. */
export function describeZodError(error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map(describeIssue);
  const more = error.issues.length > 5 ? ` (+${error.issues.length - 5} more)` : '';
  return `Invalid request: ${issues.join('; ')}${more}`;
}

/** Parses a surface's input with a contract schema; failures become one INVALID_INPUT. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError('INVALID_INPUT', describeZodError(result.error));
}
