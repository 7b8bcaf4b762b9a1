import { describe, expect, it } from 'vitest';
import {
  isoWeekKey,
  latestSlot,
  nextSlot,
  previousWeek,
  weekContaining,
  zonedTime,
} from '../src/digest/week.ts';

const HOUR = 3_600_000;

describe('the server’s local week', () => {
  it('runs from local Monday 00:00 to the next, in UTC', () => {
    const week = weekContaining(new Date('2026-01-07T12:00:00Z'), 'UTC');
    expect(week.key).toBe('2026-W02');
    expect(week.start.toISOString()).toBe('2026-01-05T00:00:00.000Z');
    expect(week.end.toISOString()).toBe('2026-01-12T00:00:00.000Z');
    expect(week.days.map((d) => d.date.day)).toEqual([5, 6, 7, 8, 9, 10, 11]);
  });

  it('is 167 hours long in Paris the week clocks go forward, and its last day 23 hours', () => {
    const week = weekContaining(new Date('2026-03-25T12:00:00Z'), 'Europe/Paris');
    expect(week.key).toBe('2026-W13');
    expect(week.start.toISOString()).toBe('2026-03-22T23:00:00.000Z'); // Monday 00:00 CET
    expect(week.end.toISOString()).toBe('2026-03-29T22:00:00.000Z'); // Monday 00:00 CEST
    expect((week.end.getTime() - week.start.getTime()) / HOUR).toBe(167);
    const sunday = week.days[6]!;
    expect((sunday.end.getTime() - sunday.start.getTime()) / HOUR).toBe(23);
  });

  it('is 169 hours long in Paris the week clocks go back', () => {
    const week = weekContaining(new Date('2026-10-21T12:00:00Z'), 'Europe/Paris');
    expect(week.key).toBe('2026-W43');
    expect((week.end.getTime() - week.start.getTime()) / HOUR).toBe(169);
    expect(week.end.toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });

  it('puts Sunday 23:30 Paris time in that week and Monday 00:30 in the next, whatever UTC says', () => {
    // 2026-03-29T22:30Z is Monday 00:30 in Paris: the next local week.
    expect(weekContaining(new Date('2026-03-29T21:30:00Z'), 'Europe/Paris').key).toBe('2026-W13');
    expect(weekContaining(new Date('2026-03-29T22:30:00Z'), 'Europe/Paris').key).toBe('2026-W14');
    expect(weekContaining(new Date('2026-03-29T22:30:00Z'), 'UTC').key).toBe('2026-W13');
  });

  it('numbers weeks as ISO 8601 does across year ends', () => {
    expect(isoWeekKey({ year: 2021, month: 1, day: 3 })).toBe('2020-W53');
    expect(isoWeekKey({ year: 2024, month: 12, day: 30 })).toBe('2025-W01');
    expect(isoWeekKey({ year: 2026, month: 1, day: 1 })).toBe('2026-W01');
    expect(previousWeek(new Date('2026-01-05T09:00:00Z'), 'UTC').key).toBe('2026-W01');
  });
});

describe('the digest slot', () => {
  it('keeps Monday 09:00 local across the spring change (08:00Z before, 07:00Z after)', () => {
    expect(latestSlot(new Date('2026-03-30T06:59:00Z'), 'Europe/Paris', 1, 9).toISOString()).toBe(
      '2026-03-23T08:00:00.000Z',
    );
    expect(latestSlot(new Date('2026-03-30T07:00:00Z'), 'Europe/Paris', 1, 9).toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    );
    expect(nextSlot(new Date('2026-03-27T12:00:00Z'), 'Europe/Paris', 1, 9).toISOString()).toBe(
      '2026-03-30T07:00:00.000Z',
    );
  });

  it('handles half-hour offsets and hours skipped by a clock change', () => {
    expect(latestSlot(new Date('2026-01-05T12:00:00Z'), 'Asia/Kolkata', 1, 9).toISOString()).toBe(
      '2026-01-05T03:30:00.000Z',
    );
    // 02:00 on 29 March does not exist in Paris: the slot moves to 03:00 CEST.
    expect(zonedTime({ year: 2026, month: 3, day: 29 }, 2, 0, 'Europe/Paris').toISOString()).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    expect(nextSlot(new Date('2026-03-28T12:00:00Z'), 'Europe/Paris', 7, 2).toISOString()).toBe(
      '2026-03-29T01:00:00.000Z',
    );
  });
});
