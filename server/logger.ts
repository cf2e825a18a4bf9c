// The engine's logger: pino to stderr or a file (never stdout, which carries the protocol), with
// credentials redacted, and console.* rerouted into it.
import { format } from 'node:util';
import { destination, pino } from 'pino';
import type { Logger, LevelWithSilent } from 'pino';
import type { LogLevel } from '../protocol/lifecycle.js';

export type { Logger };

export interface LoggerOptions {
  /** Append to this file instead of writing to stderr. */
  file?: string;
  /** pino level. Default `info`. */
  level?: string;
  /** Also hands log lines to the client (`engine/log`) once one asks for them. */
  tee?: LogTee;
}

/** One log line as a client sees it: the message and component only, never the structured fields. */
export interface LogEntry {
  level: LogLevel;
  message: string;
  component?: string;
  time: string;
}

/** Where log lines go besides the log itself; `send` is set once a client asks for them. */
export interface LogTee {
  send: ((entry: LogEntry) => void) | undefined;
  /** pino level number below which nothing is sent. */
  minLevel: number;
}

export function createLogTee(): LogTee {
  return { send: undefined, minLevel: Number.POSITIVE_INFINITY };
}

const levelNumbers: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** Starts sending log lines at or above `level` to `send`. */
export function teeTo(tee: LogTee, level: LogLevel, send: (entry: LogEntry) => void): void {
  tee.minLevel = levelNumbers[level];
  tee.send = send;
}

function levelName(level: number): LogLevel {
  if (level >= 50) return 'error';
  if (level >= 40) return 'warn';
  if (level >= 30) return 'info';
  return 'debug';
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
  const tee = options.tee;
  let forwarding = false;
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: redactPaths, censor: '[redacted]' },
      hooks: {
        logMethod(args, method, levelNumber) {
          // Sending can itself log (a failed write): never recurse.
          if (tee?.send !== undefined && levelNumber >= tee.minLevel && !forwarding) {
            forwarding = true;
            try {
              const [first, second] = args as unknown[];
              const message = typeof first === 'string' ? first : typeof second === 'string' ? second : '';
              const component = (this.bindings() as { component?: unknown }).component;
              tee.send({
                level: levelName(levelNumber),
                message,
                ...(typeof component === 'string' ? { component } : {}),
                time: new Date().toISOString(),
              });
            } finally {
              forwarding = false;
            }
          }
          method.apply(this, args);
        },
      },
    },
    stream,
  );
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
