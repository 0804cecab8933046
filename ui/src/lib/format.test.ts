import { describe, expect, it } from 'vitest';
import { dateVn, groupDigits, integer, parseAmount, shortFingerprint, shortId, vnd } from './format';

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
  it('shortens keys and bundle ids to what tells them apart', () => {
    expect(shortFingerprint('46860-34362-70665-29460-24125-03414-76687-05117')).toBe('46860-34362-70665…');
    // UUIDv7: the first digits are the time, shared by bundles made the same minute.
    expect(shortId('01a2430f-d67b-7430-be3a-6a051e88aacb')).toBe('…1e88aacb');
  });
});
