import { describe, expect, it } from '@jest/globals';
import { boundEventTime, withNote } from './event-time';

describe('boundEventTime', () => {
  const received = new Date('2026-11-24T10:00:00.000Z');

  it('keeps a past time, and a future one within the skew', () => {
    expect(boundEventTime(new Date('2026-11-24T09:00:00Z'), received, 60_000)).toEqual({ at: new Date('2026-11-24T09:00:00Z') });
    expect(boundEventTime(new Date('2026-11-24T10:01:00Z'), received, 60_000)).toEqual({ at: new Date('2026-11-24T10:01:00Z') });
  });

  it('counts a time further ahead at the receive time, and says so', () => {
    const bounded = boundEventTime(new Date('2036-11-24T10:00:00Z'), received, 60_000);
    expect(bounded.at).toEqual(received);
    expect(bounded.note).toBe(
      'event time 2036-11-24T10:00:00.000Z is 3653 days ahead of its receipt (more than the 60 s allowed): counted at the receive time 2026-11-24T10:00:00.000Z',
    );
    expect(boundEventTime(new Date('2026-11-24T10:01:00.001Z'), received, 60_000).at).toEqual(received);
    expect(boundEventTime(new Date('2026-11-24T10:00:00.001Z'), received, 0).note).toContain('0 s allowed');
    expect(boundEventTime(new Date('2026-11-24T13:00:00Z'), received, 600_000).note).toContain('is 3 h ahead of its receipt (more than the 10 min allowed)');
  });
});

describe('withNote', () => {
  it('joins the sentences that are there', () => {
    expect(withNote('a', 'b')).toBe('a; b');
    expect(withNote(undefined, 'b')).toBe('b');
    expect(withNote('a', undefined)).toBe('a');
    expect(withNote(undefined, undefined)).toBeUndefined();
  });
});
