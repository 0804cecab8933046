// The core's errors, spread over a form: each field's message beside it, the rest on top.
import type { Error as CoreError } from './bindings/Error';
import { msg } from './i18n.svelte';

export type FieldErrors = Record<string, CoreError>;

export function isCoreError(e: unknown): e is CoreError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

/** Any failure as one line for the user: the core's message in the current language, or
 * the text of anything else (the shell's own errors). */
export function errorText(e: unknown): string {
  return isCoreError(e) ? msg(e.message) : String(e);
}

/** Every problem of a refused save by field; `''` holds those that name no field. */
export function byField(e: unknown): FieldErrors {
  const out: FieldErrors = {};
  if (!isCoreError(e)) {
    out[''] = {
      code: 'io',
      field: null,
      message: { vi: String(e), en: String(e) },
      others: [],
    };
    return out;
  }
  for (const one of [e, ...(e.others ?? [])]) {
    const key = one.field ?? '';
    if (!(key in out)) out[key] = one;
  }
  return out;
}
