// A terminal into a workload's container without a local kubectl: each line the user enters runs
// through `exec/run` (as `sh -c LINE`, the container's own shell), its output printed back.
import * as vscode from 'vscode';
import { ExecRun } from '../../../../protocol/exec.js';
import type { WorkloadParams } from '../../../../protocol/dev.js';
import type { EngineClient } from '../engine/engineClient.js';
import { toEngineRequestError, describeFailure } from '../engine/errors.js';

const crlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');

export function openWorkloadTerminal(engine: EngineClient, workload: WorkloadParams, container?: string): void {
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

  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: () => write.fire(`podloop: commands run in ${workload.kind} ${workload.name}\r\n${prompt}`),
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
  vscode.window.createTerminal({ name: `podloop: ${workload.name}`, pty }).show();
}
