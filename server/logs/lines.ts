// Pure helpers for log streams: splitting runtime-timestamped chunks into lines, and the
// per-container cursor that lets a reconnect with sinceTime skip what was already sent.

/** One parsed line: the runtime's RFC 3339 timestamp and the text. */
export interface TimedLine {
  time: string;
  text: string;
}

/** Splits chunks into complete lines, keeping a partial last line for the next chunk. */
export class LineSplitter {
  private carry = '';

  push(chunk: string): string[] {
    const text = this.carry + chunk;
    const lines = text.split('\n');
    this.carry = lines.pop() ?? '';
    return lines;
  }

  /** The unterminated rest, once the stream ended. */
  flush(): string[] {
    const rest = this.carry;
    this.carry = '';
    return rest === '' ? [] : [rest];
  }
}

/** Splits `2024-01-02T03:04:05.123456789Z text` into time and text; pure. */
export function parseTimedLine(line: string): TimedLine {
  const space = line.indexOf(' ');
  const head = space === -1 ? line : line.slice(0, space);
  if (/^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/.test(head))
    return { time: head, text: space === -1 ? '' : line.slice(space + 1) };
  return { time: '', text: line };
}

/** Nanosecond-exact comparison of RFC 3339 UTC timestamps of possibly different precision. */
export function compareTimes(a: string, b: string): number {
  const key = (time: string): string => {
    const match = /^(.*?)(?:\.(\d+))?Z$/.exec(time);
    if (match === null) return time;
    return `${match[1] ?? ''}.${(match[2] ?? '').padEnd(9, '0')}`;
  };
  const left = key(a);
  const right = key(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Where a container's stream got to: the last time sent and how many lines carried exactly it. */
export interface LogCursor {
  time: string;
  countAtTime: number;
}

/**
 * Whether a line (re)sent after a reconnect from the cursor's time is new, and the cursor after it;
 * pure. Lines older than the cursor, and the first `countAtTime` lines at its time, were sent before.
 */
export function advanceCursor(
  cursor: LogCursor | undefined,
  seenAtCursorTime: number,
  time: string,
): { fresh: boolean; cursor: LogCursor | undefined; seenAtCursorTime: number } {
  if (time === '' || cursor === undefined) {
    return { fresh: true, cursor: time === '' ? cursor : { time, countAtTime: 1 }, seenAtCursorTime: 1 };
  }
  const order = compareTimes(time, cursor.time);
  if (order < 0) return { fresh: false, cursor, seenAtCursorTime };
  if (order === 0) {
    const seen = seenAtCursorTime + 1;
    if (seen <= cursor.countAtTime) return { fresh: false, cursor, seenAtCursorTime: seen };
    return { fresh: true, cursor: { time, countAtTime: seen }, seenAtCursorTime: seen };
  }
  return { fresh: true, cursor: { time, countAtTime: 1 }, seenAtCursorTime: 1 };
}
