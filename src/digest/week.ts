// A server's local week and its digest slot, computed with Intl so daylight-saving changes
// come from the same tz database Node uses everywhere else (no hand-kept offset tables).

export interface LocalDate {
  year: number;
  month: number; // 1-12
  day: number;
}

export interface Week {
  /** ISO week of the local Monday, e.g. "2026-W13". */
  key: string;
  timeZone: string;
  /** Local Monday 00:00, as an instant. */
  start: Date;
  /** The next local Monday 00:00 (exclusive); 167 or 169 hours after start in a DST week. */
  end: Date;
  /** The seven local midnights, Monday first. */
  days: Array<{ date: LocalDate; start: Date; end: Date }>;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of `instant` in `timeZone`. */
export function localParts(instant: Date, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const date = { year: parts.year!, month: parts.month!, day: parts.day! };
  return {
    ...date,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
    weekday: isoWeekday(date),
  };
}

function offsetMs(instant: Date, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant when the wall clock in `timeZone` shows the given local time. A time skipped by
 * a spring-forward change is moved forward by the jump; a repeated one maps to its first
 * occurrence.
 */
export function zonedTime(date: LocalDate, hour: number, minute: number, timeZone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  // Try the offsets in force a day either side: one of them is the right one.
  const candidates = [
    offsetMs(new Date(wall - 86_400_000), timeZone),
    offsetMs(new Date(wall + 86_400_000), timeZone),
  ]
    .map((off) => wall - off)
    .filter((t) => {
      const p = localParts(new Date(t), timeZone);
      return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) === wall;
    })
    .sort((a, b) => a - b);
  if (candidates.length > 0) return new Date(candidates[0]!);
  // In the gap the wall time never happens: move it forward by the jump (02:30 → 03:30), as Temporal does.
  const before = offsetMs(new Date(wall - 86_400_000), timeZone);
  return new Date(wall - before);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  const wd = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

/** ISO 8601 week key of a calendar date: weeks start on Monday, week 1 holds the first Thursday. */
export function isoWeekKey(date: LocalDate): string {
  const thursday = addDays(date, 4 - isoWeekday(date));
  const jan1 = Date.UTC(thursday.year, 0, 1);
  const week =
    Math.floor((Date.UTC(thursday.year, thursday.month - 1, thursday.day) - jan1) / 604_800_000) + 1;
  return `${thursday.year}-W${String(week).padStart(2, '0')}`;
}

/** The server's local week (Monday 00:00 to Monday 00:00) that contains `instant`. */
export function weekContaining(instant: Date, timeZone: string): Week {
  const p = localParts(instant, timeZone);
  const monday = addDays(p, 1 - p.weekday);
  const days = Array.from({ length: 7 }, (_, i) => {
    const date = addDays(monday, i);
    return { date, start: zonedTime(date, 0, 0, timeZone), end: zonedTime(addDays(date, 1), 0, 0, timeZone) };
  });
  return { key: isoWeekKey(monday), timeZone, start: days[0]!.start, end: days[6]!.end, days };
}

/** The last complete local week before `instant`'s week. */
export function previousWeek(instant: Date, timeZone: string): Week {
  const current = weekContaining(instant, timeZone);
  return weekContaining(new Date(current.start.getTime() - 1), timeZone);
}

/** The most recent moment at or before `now` when the local clock showed `weekday` `hour`:00. */
export function latestSlot(now: Date, timeZone: string, weekday: number, hour: number): Date {
  const p = localParts(now, timeZone);
  let date = addDays(p, -((p.weekday - weekday + 7) % 7));
  let slot = zonedTime(date, hour, 0, timeZone);
  if (slot.getTime() > now.getTime()) {
    date = addDays(date, -7);
    slot = zonedTime(date, hour, 0, timeZone);
  }
  return slot;
}

/** The first slot strictly after `now`. */
export function nextSlot(now: Date, timeZone: string, weekday: number, hour: number): Date {
  const latest = latestSlot(now, timeZone, weekday, hour);
  const p = localParts(latest, timeZone);
  // Step from the local date, not by 168 hours, so a DST change in between keeps the local hour.
  return zonedTime(addDays(p, 7), hour, 0, timeZone);
}

export function formatLocalDate(date: LocalDate): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}
