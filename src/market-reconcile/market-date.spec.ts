import { describe, expect, it } from '@jest/globals';
import { normaliseMarketDate, toMarketDateTime } from './market-date';

describe('normaliseMarketDate', () => {
  it('reads ISO 8601 with an offset or Z as that instant', () => {
    expect(normaliseMarketDate('2020-02-02T14:30:30+03:00')?.toISOString()).toBe('2020-02-02T11:30:30.000Z');
    expect(normaliseMarketDate('2020-02-02T11:30:30Z')?.toISOString()).toBe('2020-02-02T11:30:30.000Z');
    expect(normaliseMarketDate('2020-02-02T11:30:30.123456Z')?.toISOString()).toBe('2020-02-02T11:30:30.123Z');
    expect(normaliseMarketDate('2020-02-02T06:30:30-05:00')?.toISOString()).toBe('2020-02-02T11:30:30.000Z');
    expect(normaliseMarketDate('2020-02-02T14:30:30+0300')?.toISOString()).toBe('2020-02-02T11:30:30.000Z');
  });

  it('reads DD-MM-YYYY HH:MM:SS (older methods) as Moscow time, UTC+03:00', () => {
    expect(normaliseMarketDate('02-02-2020 14:30:30')?.toISOString()).toBe('2020-02-02T11:30:30.000Z');
    // across midnight and a year boundary in UTC
    expect(normaliseMarketDate('01-01-2026 01:00:00')?.toISOString()).toBe('2025-12-31T22:00:00.000Z');
    // summer: Moscow has no daylight saving since 2014
    expect(normaliseMarketDate('15-07-2026 12:00:00')?.toISOString()).toBe('2026-07-15T09:00:00.000Z');
  });

  it('compares the two formats as instants', () => {
    const older = normaliseMarketDate('24-11-2026 10:00:00')!;
    const newer = normaliseMarketDate('2026-11-24T07:00:01Z')!;
    expect(newer.getTime() - older.getTime()).toBe(1000);
    expect(normaliseMarketDate('24-11-2026 10:00:00')!.getTime()).toBe(normaliseMarketDate('2026-11-24T10:00:00+03:00')!.getTime());
  });

  it('reads DD-MM-YYYY as Moscow midnight and an ISO date-time without an offset as Moscow time', () => {
    expect(normaliseMarketDate('24-11-2026')?.toISOString()).toBe('2026-11-23T21:00:00.000Z');
    expect(normaliseMarketDate('2026-11-24T10:00:00')?.toISOString()).toBe('2026-11-24T07:00:00.000Z');
  });

  it('gives null for anything else or an impossible date', () => {
    for (const bad of [
      '',
      'yesterday',
      '2026-13-01T00:00:00Z',
      '31-02-2026 10:00:00',
      '24-11-2026 24:00:00',
      '24-11-2026 10:60:00',
      '24/11/2026 10:00:00',
      '2026-11-24T10:00:00+25:00',
      42,
      null,
      undefined,
      {},
    ]) {
      expect(normaliseMarketDate(bad)).toBeNull();
    }
    expect(normaliseMarketDate(new Date('nope'))).toBeNull();
  });

  it('writes Market date-times with the Moscow offset and whole seconds', () => {
    expect(toMarketDateTime(new Date('2026-11-24T07:00:00.999Z'))).toBe('2026-11-24T10:00:00+03:00');
    expect(toMarketDateTime(new Date('2026-12-31T22:30:00Z'))).toBe('2027-01-01T01:30:00+03:00');
    expect(normaliseMarketDate(toMarketDateTime(new Date('2026-11-24T07:00:00Z')))?.toISOString()).toBe('2026-11-24T07:00:00.000Z');
  });
});
