// The engine's logger: pino to stderr or a file (never stdout, which carries the protocol), with
// credentials redacted, and console.* rerouted into it.
import { format } from 'node:util';
import { destination, pino } from 'pino';
import type { Logger, LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Append to this file instead of writing to stderr. */
  file?: string;
  /** pino level. Default `info`. */
  level?: string;
}

/** Keys whose values never reach a log, at any depth pino can address. */
const secretKeys = [
  'token',
  'password',
  'client-key-data',
  'clientKeyData',
  'keyData',
  'authorization',
  'Authorization',
  'bearer',
  'secret',
  'key',
  'cert',
  'client-certificate-data',
  'certData',
];

export const redactPaths = secretKeys.flatMap((key) => {
  const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const dotted = k.startsWith('[') ? k : `.${k}`;
  return [k.startsWith('[') ? k : key, `*${dotted}`, `*.*${dotted}`, `headers${dotted}`, `*.headers${dotted}`];
});

const levels = new Set<string>(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level !== undefined && levels.has(options.level) ? (options.level as LevelWithSilent) : 'info';
  const stream =
    options.file !== undefined
      ? destination({ dest: options.file, append: true, mkdir: true, sync: true })
      : destination({ fd: 2, sync: true });
  return pino({ level, base: { pid: process.pid }, redact: { paths: redactPaths, censor: '[redacted]' } }, stream);
}

/** Sends console.* to the logger so stray output can never corrupt the protocol on stdout. */
export function redirectConsole(log: Logger): void {
  const console = globalThis.console;
  console.log = (...args: unknown[]) => log.info(format(...args));
  console.info = (...args: unknown[]) => log.info(format(...args));
  console.debug = (...args: unknown[]) => log.debug(format(...args));
  console.warn = (...args: unknown[]) => log.warn(format(...args));
  console.error = (...args: unknown[]) => log.error(format(...args));
  console.trace = (...args: unknown[]) => log.trace(format(...args));
}
