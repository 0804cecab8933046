// How values are written for people: dd/mm/yyyy dates and 1.500.000 ₫ amounts.

/** `2025-09-02` → `02/09/2025`; anything else is shown as it is. */
export function dateVn(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

/** A timestamp (`2026-11-26T17:14:24Z`) as local `26/11/2026 17:14`. */
export function stampVn(ts: string | null | undefined): string {
  if (!ts) return '';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Digits grouped by dots: 1500000 → `1.500.000`. */
export function groupDigits(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '';
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(Math.trunc(n))).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

export function vnd(n: number | null | undefined): string {
  return n === null || n === undefined ? '' : `${groupDigits(n)} ₫`;
}

/** What a person typed in an amount box (`1.500.000`, `1500000 ₫`) as a number, or null. */
export function parseAmount(text: string): number | null {
  const digits = text.replace(/[^\d-]/g, '');
  if (digits === '' || digits === '-') return null;
  const n = Number(digits);
  return Number.isFinite(n) ? n : null;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1).replace('.', ',')} MB`;
}

/** A count with its digits grouped as the app's language does (Vietnamese 2.000, English 2,000). */
export function integer(n: number, lang: 'vi' | 'en'): string {
  const text = groupDigits(n);
  return lang === 'vi' ? text : text.replaceAll('.', ',');
}

/** A score with two decimals, in the app's language (Vietnamese: 24,50). */
export function decimal(n: number | null | undefined, lang: 'vi' | 'en'): string {
  if (n === null || n === undefined) return '—';
  const text = n.toFixed(2);
  return lang === 'vi' ? text.replace('.', ',') : text;
}


/** A key fingerprint's first three groups, enough to tell installations apart on screen
 * (the whole one is on the Sync screen, to read by phone). */
export function shortFingerprint(fp: string): string {
  const groups = fp.split('-');
  return groups.length > 3 ? `${groups.slice(0, 3).join('-')}…` : fp;
}

/** A bundle id (UUIDv7, whose first digits are its time) by its last eight digits. */
export function shortId(id: string): string {
  const hex = id.replaceAll('-', '');
  return hex.length > 8 ? `…${hex.slice(-8)}` : id;
}
