// Printing for people (aligned tables, colour only on a TTY without NO_COLOR) and for programs
// (exactly one JSON document on stdout).
import { errorCatalog } from '../../protocol/errors.js';

export function useColour(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && (process.env.NO_COLOR ?? '') === '';
}

type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow';
const codes: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
};

export function paint(stream: NodeJS.WriteStream, style: Style, text: string): string {
  if (!useColour(stream)) return text;
  const [open, close] = codes[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** Columns padded to their widest cell; the header in bold on a TTY. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('   ')
      .trimEnd();
  return [paint(process.stdout, 'bold', line(headers)), ...rows.map(line)].join('\n') + '\n';
}

export function printTable(headers: string[], rows: string[][]): void {
  process.stdout.write(formatTable(headers, rows));
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function errorName(code: number): string {
  return errorCatalog.find((info) => info.code === code)?.name ?? `Error${code}`;
}

/** Writes an error to stderr: a sentence for people, or a JSON document with --json. */
export function printError(json: boolean, code: number, message: string, data?: unknown): void {
  if (json) {
    process.stderr.write(
      JSON.stringify({ error: { code, name: errorName(code), message, ...(data !== undefined ? { data } : {}) } }) +
        '\n',
    );
  } else {
    process.stderr.write(`${paint(process.stderr, 'red', 'error:')} ${message}\n`);
  }
}
