// The message catalogs (Vietnamese first, English second) and the current language.
import { vi } from './i18n/vi';
import { en } from './i18n/en';
import type { Lang } from './bindings/Lang';
import type { Message } from './bindings/Message';
import type { Labeled } from './bindings/Labeled';

export const catalogs = { vi, en } as const;
export type Key = keyof typeof vi;

const state = $state({ lang: 'vi' as Lang });

export function setLang(lang: Lang) {
  state.lang = lang;
  document.documentElement.lang = lang;
}

export function lang(): Lang {
  return state.lang;
}

/** The text of `key` in the current language, with `{name}` slots filled from `args`. */
export function t(key: Key, args: Record<string, string | number> = {}): string {
  const text: string = catalogs[state.lang][key] ?? catalogs.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(args[k] ?? `{${k}}`));
}

/** A code's label from a family of keys (`status.project.planned`), or the code itself. */
export function label(prefix: string, code: string | null | undefined): string {
  if (!code) return '';
  const key = `${prefix}.${code}` as Key;
  return key in catalogs.vi ? t(key) : code;
}

/** A message the core sent in both languages. */
export function msg(m: Message): string {
  return state.lang === 'en' ? m.en : m.vi;
}

/** A campaign label (criterion, value, category) in the current language. */
export function named(l: Labeled): string {
  return state.lang === 'en' ? l.name_en : l.name_vi;
}
