import { expect } from 'vitest';
import { isError, type ErrorCode } from '../../../lib/errors';

/** Runs `f` and asserts it throws an OvercryptError with `code`. */
export function expectCode(f: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected an OvercryptError').toBeDefined();
  expect(isError(thrown), `not an OvercryptError: ${String(thrown)}`).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
}
