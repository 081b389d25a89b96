import { expect } from 'vitest';
import { AppError } from '../../src/contract/errors.ts';

/** The AppError `fn` throws synchronously; fails the test if it throws something else or nothing. */
export function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  return expect.fail('did not throw');
}
