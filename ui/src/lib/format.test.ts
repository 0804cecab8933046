import { describe, expect, it } from 'vitest';
import { dateVn, groupDigits, integer, parseAmount, vnd } from './format';

describe('format', () => {
  it('writes dates day first, as Vietnamese users expect', () => {
    expect(dateVn('2025-09-02')).toBe('02/09/2025');
    expect(dateVn(null)).toBe('');
  });
  it('groups thousands with dots and reads them back', () => {
    expect(vnd(1500000)).toBe('1.500.000 ₫');
    expect(groupDigits(999)).toBe('999');
    expect(parseAmount('1.500.000 ₫')).toBe(1500000);
    expect(parseAmount('')).toBeNull();
  });
  it('groups a count as each language does', () => {
    expect(integer(2000, 'vi')).toBe('2.000');
    expect(integer(2000, 'en')).toBe('2,000');
    expect(integer(200, 'vi')).toBe('200');
  });
});
