import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from './i18n/vi';
import { en } from './i18n/en';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f: string) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'bindings' ? [] : sources(p);
    return /\.(svelte|ts)$/.test(f) && !f.endsWith('.test.ts') ? [p] : [];
  });
}

describe('message catalogs', () => {
  it('have the same keys in Vietnamese and English', () => {
    const v = Object.keys(vi).sort();
    const e = Object.keys(en).sort();
    expect(v.filter((k) => !e.includes(k)), 'keys missing in English').toEqual([]);
    expect(e.filter((k) => !v.includes(k)), 'keys missing in Vietnamese').toEqual([]);
  });

  it('have no empty text', () => {
    for (const [k, text] of [...Object.entries(vi), ...Object.entries(en)]) {
      expect(text.trim(), `text of ${k}`).not.toBe('');
    }
  });

  it('write Vietnamese with its diacritics, not ASCII-folded', () => {
    const marked = Object.values(vi).filter((s) => /[^\x00-\x7F]/.test(s)).length;
    expect(marked / Object.keys(vi).length, 'share of Vietnamese texts with marks').toBeGreaterThan(0.8);
  });

  it('hold every key the screens use', () => {
    const used = new Set<string>();
    for (const file of sources(fileURLToPath(new URL('..', import.meta.url)))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\('([\w.]+)'/g)) used.add(m[1]);
    }
    expect(used.size, 'screens use catalog keys').toBeGreaterThan(50);
    expect([...used].filter((k) => !(k in vi)), 'keys used but missing from the catalogs').toEqual([]);
  });
});
