/**
 * Market's date formats, normalised to a `Date` (an instant) before anything is compared:
 *
 * - ISO 8601 with an offset or `Z` (`2020-02-02T14:30:30+03:00`), as the newer methods return (`updateDate` of
 *   `POST v1/businesses/{businessId}/orders`) and take (`updateDateFrom` / `updateDateTo`);
 * - `DD-MM-YYYY HH:MM:SS` in Moscow time (UTC+03:00, no daylight saving since 2014), as older methods return
 *   (`updatedAt`, `creationDate` of the v2 order), schema `DateDdMmYyyyHhMmSs`;
 * - `DD-MM-YYYY` (a Moscow calendar day, its midnight).
 *
 * An ISO 8601 date-time without an offset is read as Moscow time too (Market's local time). Anything else, or
 * an impossible date (31-02-2026, 25:00:00), gives null.
 */
const MOSCOW_OFFSET_MINUTES = 180;

const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?(Z|[+-]\d\d:?\d\d)?$/i;
const DMY_TIME = /^(\d\d)-(\d\d)-(\d{4}) (\d\d):(\d\d):(\d\d)$/;
const DMY = /^(\d\d)-(\d\d)-(\d{4})$/;

export function normaliseMarketDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  let m = ISO.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s = '0', fraction = '0', zone] = m;
    const ms = Math.floor(Number(`0.${fraction}`) * 1000);
    return build(+y, +mo, +d, +h, +mi, +s, ms, zone === undefined ? MOSCOW_OFFSET_MINUTES : offsetMinutes(zone));
  }
  m = DMY_TIME.exec(text);
  if (m) return build(+m[3], +m[2], +m[1], +m[4], +m[5], +m[6], 0, MOSCOW_OFFSET_MINUTES);
  m = DMY.exec(text);
  if (m) return build(+m[3], +m[2], +m[1], 0, 0, 0, 0, MOSCOW_OFFSET_MINUTES);
  return null;
}

/** An instant as Market's ISO 8601 with the Moscow offset and whole seconds (`2026-11-24T10:00:00+03:00`). */
export function toMarketDateTime(at: Date): string {
  const local = new Date(Math.floor(at.getTime() / 1000) * 1000 + MOSCOW_OFFSET_MINUTES * 60_000);
  return `${local.toISOString().slice(0, 19)}+03:00`;
}

function offsetMinutes(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

function build(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offset: number): Date | null {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 || Math.abs(offset) > 14 * 60) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null;
  return new Date(utc - offset * 60_000);
}
