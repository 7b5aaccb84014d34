/**
 * Market's `string<date-time>` values: "ISO 8601 with an offset from UTC", e.g. `2022-12-29T18:02:01Z`,
 * `2022-12-31T00:00:00+03:00`, `2017-11-21T00:00:00.213Z`, sometimes with nanoseconds.
 *
 * We accept the RFC 3339 profile of ISO 8601 (the one OpenAPI's `date-time` means): calendar date, `T`,
 * time with optional 1–9 fractional digits, and a mandatory `Z` or `±HH:MM` offset. A missing offset is
 * rejected because the instant would be ambiguous — the whole point of Market's time fields is ordering.
 */

const OFFSET_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

export interface ParsedOffsetDateTime {
  /** Milliseconds since the Unix epoch (sub-millisecond digits are dropped). */
  epochMilliseconds: number;
  /**
   * The same instant as UTC with every fractional digit that was sent, trailing zeros removed:
   * `2022-12-31T00:00:00.500+03:00` → `2022-12-30T21:00:00.5Z`. Equal instants give equal strings,
   * which is what a deduplication key needs.
   */
  canonicalUtc: string;
}

export function parseOffsetDateTime(value: unknown): ParsedOffsetDateTime | null {
  if (typeof value !== 'string') return null;
  const match = OFFSET_DATE_TIME.exec(value);
  if (!match) return null;
  const [, yearText, monthText, dayText, hourText, minuteText, secondText] = match;
  const [fraction = '', sign, offsetHourText, offsetMinuteText] = match.slice(7);
  const year = Number(yearText);
  const month = Number(monthText);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  const offsetHours = sign ? Number(offsetHourText) : 0;
  const offsetMinutes = sign ? Number(offsetMinuteText) : 0;

  // Leap seconds (":60") are refused: JavaScript dates cannot represent them and Market never sent one.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  if (offsetHours > 23 || offsetMinutes > 59) return null;

  const localAsUtc = new Date(0);
  localAsUtc.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years 0–99 literal, Date.UTC does not
  localAsUtc.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  const offsetMilliseconds = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const epochMilliseconds = localAsUtc.getTime() - offsetMilliseconds;

  // Offsets are whole minutes, so the fractional digits are the same in UTC as in the sent zone.
  const wholeSecondsUtc = new Date(epochMilliseconds - (((epochMilliseconds % 1000) + 1000) % 1000));
  const significantFraction = fraction.replace(/0+$/, '');
  const canonicalUtc = wholeSecondsUtc.toISOString().slice(0, -5) + (significantFraction ? `.${significantFraction}` : '') + 'Z';
  return { epochMilliseconds, canonicalUtc };
}

export function isOffsetDateTime(value: unknown): value is string {
  return parseOffsetDateTime(value) !== null;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const isLeapYear = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return isLeapYear ? 29 : 28;
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
