// Spawns the built engine (`dist/server/main.js --stdio`) for tests and benchmarks: either with a
// vscode-jsonrpc client connection, or raw, to write arbitrary bytes and read every framed reply.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import type { MessageConnection } from 'vscode-jsonrpc/node.js';
import { Initialize } from '../../protocol/lifecycle.js';
import type { InitializeParams, InitializeResult } from '../../protocol/lifecycle.js';

/** Path of the compiled engine entry point. */
export const engineMain = fileURLToPath(new URL('../../server/main.js', import.meta.url));

export interface SpawnOptions {
  /** Extra environment (merged over process.env). */
  env?: NodeJS.ProcessEnv;
  /** Extra engine arguments after `--stdio`. */
  args?: string[];
}

interface Spawned {
  child: ChildProcess;
  /** Everything the engine wrote to stderr so far (its log). */
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Kills the engine if it still runs and waits for it. Idempotent. */
  close(): Promise<void>;
}

function spawnProcess(options: SpawnOptions): Spawned {
  const child = spawn(process.execPath, [engineMain, '--stdio', ...(options.args ?? [])], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PODLOOP_LOG_LEVEL: 'warn', ...options.env },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr += text;
  });
  // Writes after the engine exited must not crash the test process.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface EngineProcess extends Spawned {
  connection: MessageConnection;
}

/** Spawns the engine with a listening client connection (not yet initialized). */
export function spawnEngine(options: SpawnOptions = {}): EngineProcess {
  const spawned = spawnProcess(options);
  const { child } = spawned;
  if (child.stdout === null || child.stdin === null) throw new Error('engine spawned without pipes');
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  connection.onError(() => undefined);
  connection.listen();
  return {
    ...spawned,
    connection,
    async close() {
      connection.dispose();
      await spawned.close();
    },
  };
}

/** Spawns the engine and initializes it. */
export async function startInitializedEngine(
  params: InitializeParams = {},
  options: SpawnOptions = {},
): Promise<EngineProcess & { initializeResult: InitializeResult }> {
  const engine = spawnEngine(options);
  try {
    const initializeResult = await engine.connection.sendRequest(Initialize.type, {
      processId: process.pid,
      ...params,
    });
    return { ...engine, initializeResult };
  } catch (error) {
    await engine.close();
    throw error;
  }
}

/** A framed JSON-RPC message from the engine, as parsed JSON. */
export type WireMessage = Record<string, unknown>;

export interface RawEngine extends Spawned {
  /** Writes bytes to the engine's stdin as they are. */
  write(bytes: string | Buffer): void;
  /** Writes one correctly framed message (an object is JSON-encoded). */
  send(message: object | string | Buffer): void;
  /** Every message the engine sent so far. */
  messages: WireMessage[];
  /** Waits for a message matching the predicate. */
  next(predicate: (message: WireMessage) => boolean, timeoutMs?: number): Promise<WireMessage>;
}

export function frame(body: object | string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${bytes.length}\r\n\r\n`, 'ascii'), bytes]);
}

/** Spawns the engine with raw byte access to its stdin and a frame parser on its stdout. */
export function spawnRawEngine(options: SpawnOptions = {}): RawEngine {
  const spawned = spawnProcess(options);
  const messages: WireMessage[] = [];
  const waiters = new Set<() => void>();
  let buffer = Buffer.alloc(0);
  spawned.child.stdout?.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) break;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString('ascii'))?.[1]);
      if (buffer.length < end + 4 + length) break;
      messages.push(JSON.parse(buffer.subarray(end + 4, end + 4 + length).toString('utf8')) as WireMessage);
      buffer = buffer.subarray(end + 4 + length);
    }
    for (const wake of waiters) wake();
  });
  return {
    ...spawned,
    messages,
    write: (bytes) => void spawned.child.stdin?.write(bytes),
    send: (message) => void spawned.child.stdin?.write(frame(message)),
    next(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          for (; seen < messages.length; seen++) {
            const message = messages[seen];
            if (message !== undefined && predicate(message)) {
              cleanup();
              resolve(message);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}; stderr: ${spawned.stderr()}`,
            ),
          );
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Polls a condition until it holds or the deadline passes. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
