// Standard 5-field cron schedules (minute hour day-of-month month day-of-week, with lists, ranges,
// steps, names and the @hourly-style macros), evaluated in UTC or in an IANA time zone.

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Day-of-month or day-of-week was `*`: then both must match, otherwise either (cron's rule). */
  dayStar: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseValue(text: string, min: number, names: string[] | undefined, field: string): number {
  const lower = text.toLowerCase();
  const named = names?.indexOf(lower) ?? -1;
  if (named >= 0) return named + min;
  if (!/^\d+$/.test(text)) throw new Error(`invalid value ${JSON.stringify(text)} in ${field}`);
  return Number(text);
}

function parseField(
  text: string,
  min: number,
  max: number,
  field: string,
  names?: string[],
): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0) throw new Error(`invalid step in ${field}: ${JSON.stringify(part)}`);
    let low: number;
    let high: number;
    if (range === '*' || range === '?') {
      low = min;
      high = max;
      if (stepText === undefined) star = true;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      low = parseValue(a, min, names, field);
      high = parseValue(b, min, names, field);
    } else {
      low = parseValue(range, min, names, field);
      high = stepText === undefined ? low : max;
    }
    // Sunday may be written as 7.
    if (low < min || high > (field === 'day of week' ? 7 : max) || low > high) {
      throw new Error(`${field} out of range: ${JSON.stringify(part)}`);
    }
    for (let v = low; v <= high; v += step) values.add(field === 'day of week' ? v % 7 : v);
  }
  return { values, star };
}

/** Parses a schedule; throws an Error with a readable message when it is malformed. */
export function parseCron(text: string): CronSchedule {
  const trimmed = text.trim();
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  const fields = expanded.split(/\s+/);
  if (fields.length !== 5)
    throw new Error(`expected exactly 5 fields, found ${fields.length}: ${JSON.stringify(text)}`);
  const [minute, hour, day, month, weekday] = fields as [string, string, string, string, string];
  const days = parseField(day, 1, 31, 'day of month');
  const weekdays = parseField(weekday, 0, 6, 'day of week', WEEKDAYS);
  return {
    minutes: parseField(minute, 0, 59, 'minute').values,
    hours: parseField(hour, 0, 23, 'hour').values,
    days: days.values,
    months: parseField(month, 1, 12, 'month', MONTHS).values,
    weekdays: weekdays.values,
    dayStar: days.star || weekdays.star,
  };
}

function dayMatches(schedule: CronSchedule, dayOfMonth: number, dayOfWeek: number): boolean {
  const dom = schedule.days.has(dayOfMonth);
  const dow = schedule.weekdays.has(dayOfWeek);
  return schedule.dayStar ? dom && dow : dom || dow;
}

const SEARCH_LIMIT_MS = 5 * 366 * 24 * 3600 * 1000;
const WEEKDAY_NUMBERS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Throws a RangeError for a time zone name the runtime does not know. */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
  });
}

/** Walks wall-clock hours, then minutes, in the zone: DST gaps and repeats fall out naturally. */
function nextRunInZone(schedule: CronSchedule, after: Date, timeZone: string): Date | undefined {
  const format = zoneFormatter(timeZone);
  let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  const limit = after.getTime() + SEARCH_LIMIT_MS;
  while (t <= limit) {
    const parts: Record<string, string> = {};
    for (const part of format.formatToParts(new Date(t))) parts[part.type] = part.value;
    const minute = Number(parts.minute);
    const inHour =
      schedule.months.has(Number(parts.month)) &&
      dayMatches(schedule, Number(parts.day), WEEKDAY_NUMBERS[parts.weekday ?? ''] ?? -1) &&
      schedule.hours.has(Number(parts.hour));
    if (!inHour) t += (60 - minute) * 60_000;
    else if (!schedule.minutes.has(minute)) t += 60_000;
    else return new Date(t);
  }
  return undefined;
}

/**
 * The first scheduled minute strictly after `after`, or undefined if none within five years.
 * Without a time zone the schedule is read in UTC.
 */
export function nextRun(schedule: CronSchedule, after: Date, timeZone?: string): Date | undefined {
  if (timeZone && timeZone !== 'UTC' && timeZone !== 'Etc/UTC') return nextRunInZone(schedule, after, timeZone);
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = after.getTime() + SEARCH_LIMIT_MS;
  while (t.getTime() <= limit) {
    if (!schedule.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(schedule, t.getUTCDate(), t.getUTCDay())) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!schedule.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!schedule.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    return t;
  }
  return undefined;
}

/** The latest scheduled minute in (since, until], and how many were missed before it. */
export function lastRunBetween(
  schedule: CronSchedule,
  since: Date,
  until: Date,
  timeZone?: string,
): { time: Date; missed: number } | undefined {
  let found: Date | undefined;
  let missed = 0;
  for (
    let t = nextRun(schedule, since, timeZone);
    t && t.getTime() <= until.getTime();
    t = nextRun(schedule, t, timeZone)
  ) {
    if (found) missed++;
    found = t;
    if (missed > 1000) {
      // Far behind (a sandbox that was down for long): jump close to `until` instead of walking.
      const near = new Date(until.getTime() - 3600_000 * 24);
      if (near.getTime() > t.getTime()) t = near;
    }
  }
  return found ? { time: found, missed } : undefined;
}
