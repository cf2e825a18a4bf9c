// A terminal into a workload's container without a local kubectl: an interactive shell over
// `exec/start` when the engine offers it, else a line mode where each line runs via `exec/run`.
import * as vscode from 'vscode';
import { StringDecoder } from 'node:string_decoder';
import {
  ExecExit,
  ExecInput,
  ExecOutput,
  ExecResize,
  ExecRun,
  ExecStart,
  ExecStop,
} from '../../../../protocol/exec.js';
import type { WorkloadParams } from '../../../../protocol/dev.js';
import type { ExecExitParams, ExecOutputParams } from '../../../../protocol/exec.js';
import type { EngineClient } from '../engine/engineClient.js';
import { toEngineRequestError, describeFailure } from '../engine/errors.js';

const crlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');

// The container's own shell: bash when the image has it.
const shell = ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

export function openWorkloadTerminal(engine: EngineClient, workload: WorkloadParams, container?: string): void {
  const pty = engine.supports(ExecStart.method)
    ? interactiveTerminal(engine, workload, container)
    : lineTerminal(engine, workload, container);
  vscode.window.createTerminal({ name: `podloop: ${workload.name}`, pty }).show();
}

function interactiveTerminal(
  engine: EngineClient,
  workload: WorkloadParams,
  container?: string,
): vscode.Pseudoterminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const listeners: { dispose(): void }[] = [];
  let sessionId: string | undefined;
  let closed = false;

  const stop = (): void => {
    if (closed) return;
    closed = true;
    for (const listener of listeners) listener.dispose();
    if (sessionId !== undefined) void engine.request(ExecStop.type, { sessionId }).catch(() => undefined);
  };

  return {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: (dimensions) => {
      const show = (output: ExecOutputParams): void =>
        write.fire(decoders[output.stream].write(Buffer.from(output.data, 'base64')));
      const exited = (exit: ExecExitParams): void => {
        write.fire(`\r\n[podloop: the shell exited with code ${exit.exitCode}]\r\n`);
        stop();
        close.fire(exit.exitCode);
      };
      // Output can arrive before the answer that names the session: held until it does.
      const early: (ExecOutputParams | ExecExitParams)[] = [];
      listeners.push(
        engine.onNotification(ExecOutput.type, (output) => {
          if (sessionId === undefined) early.push(output);
          else if (output.sessionId === sessionId) show(output);
        }),
        engine.onNotification(ExecExit.type, (exit) => {
          if (sessionId === undefined) early.push(exit);
          else if (exit.sessionId === sessionId) exited(exit);
        }),
      );
      engine
        .request(ExecStart.type, {
          ...workload,
          command: shell,
          tty: true,
          ...(container !== undefined ? { container } : {}),
          ...(dimensions !== undefined ? { columns: dimensions.columns, rows: dimensions.rows } : {}),
        })
        .then(
          (result) => {
            sessionId = result.sessionId;
            if (closed) {
              void engine.request(ExecStop.type, { sessionId }).catch(() => undefined);
              return;
            }
            for (const message of early.splice(0)) {
              if (message.sessionId !== sessionId) continue;
              if ('data' in message) show(message);
              else exited(message);
            }
          },
          (error: unknown) => {
            write.fire(`${describeFailure(toEngineRequestError(ExecStart.method, error))}\r\n`);
            stop();
          },
        );
    },
    close: () => {
      stop();
      write.dispose();
      close.dispose();
    },
    handleInput: (data) => {
      if (sessionId === undefined || closed) return;
      engine.notify(ExecInput.type, { sessionId, data: Buffer.from(data, 'utf8').toString('base64') });
    },
    setDimensions: (dimensions) => {
      if (sessionId === undefined || closed) return;
      engine.notify(ExecResize.type, { sessionId, columns: dimensions.columns, rows: dimensions.rows });
    },
  };
}

function lineTerminal(engine: EngineClient, workload: WorkloadParams, container?: string): vscode.Pseudoterminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  const prompt = `${workload.name}$ `;
  let line = '';
  let running = false;

  const runLine = async (command: string): Promise<void> => {
    running = true;
    try {
      const result = await engine.request(ExecRun.type, {
        ...workload,
        command: ['sh', '-c', command],
        ...(container !== undefined ? { container } : {}),
      });
      write.fire(crlf(result.stdout) + crlf(result.stderr));
      if (result.exitCode !== 0) write.fire(`[exit ${result.exitCode}]\r\n`);
    } catch (error) {
      write.fire(`${describeFailure(toEngineRequestError(ExecRun.method, error))}\r\n`);
    } finally {
      running = false;
      write.fire(prompt);
    }
  };

  return {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => write.fire(`podloop: each line runs in ${workload.kind} ${workload.name}\r\n${prompt}`),
    close: () => {
      write.dispose();
      close.dispose();
    },
    handleInput: (data) => {
      if (running) return;
      for (const char of data) {
        if (char === '\r') {
          write.fire('\r\n');
          const command = line.trim();
          line = '';
          if (command === 'exit') close.fire(0);
          else if (command === '') write.fire(prompt);
          else void runLine(command);
          return;
        }
        if (char === '\x7f') {
          if (line.length > 0) {
            line = line.slice(0, -1);
            write.fire('\b \b');
          }
        } else if (char === '\x03') {
          line = '';
          write.fire(`^C\r\n${prompt}`);
        } else if (char >= ' ') {
          line += char;
          write.fire(char);
        }
      }
    },
  };
}
