// Interactive exec sessions (terminals): the engine relays a client's keystrokes and window sizes
// to a command in a container and its output back. Owns each session's exec channel.
import { randomBytes } from 'node:crypto';
import type { ExecExitParams, ExecOutputParams } from '../../protocol/exec.js';
import { openExecChannel } from '../kube/exec.js';
import type { ContainerTarget, ExecChannel } from '../kube/exec.js';
import type { Kube } from '../kube/index.js';

export interface ExecSessionEvents {
  output(params: ExecOutputParams): void;
  exit(params: ExecExitParams): void;
}

export interface ExecSessionRequest {
  target: ContainerTarget;
  command: string[];
  tty: boolean;
  columns?: number;
  rows?: number;
}

export interface ExecSessions {
  start(kube: Kube, request: ExecSessionRequest): Promise<string>;
  input(sessionId: string, data: Buffer, eof: boolean): void;
  resize(sessionId: string, columns: number, rows: number): void;
  /** Idempotent. */
  stop(sessionId: string): void;
  dispose(): void;
}

export function createExecSessions(events: ExecSessionEvents): ExecSessions {
  const sessions = new Map<string, ExecChannel>();
  return {
    async start(kube, request) {
      const sessionId = `exec-${randomBytes(4).toString('hex')}`;
      const channel = await openExecChannel(kube, request.target, request.command, {
        tty: request.tty,
        ...(request.columns !== undefined ? { columns: request.columns } : {}),
        ...(request.rows !== undefined ? { rows: request.rows } : {}),
      });
      sessions.set(sessionId, channel);
      let open = 2;
      let exitCode: number | undefined;
      const maybeExit = (): void => {
        if (open > 0 || exitCode === undefined) return;
        sessions.delete(sessionId);
        events.exit({ sessionId, exitCode });
      };
      const relay = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): void => {
        // The first output must follow the response that carries the session id.
        setImmediate(() => {
          stream.on('data', (chunk: Buffer) =>
            events.output({ sessionId, stream: name, data: chunk.toString('base64') }),
          );
          stream.on('end', () => {
            open -= 1;
            maybeExit();
          });
        });
      };
      relay(channel.stdout, 'stdout');
      relay(channel.stderr, 'stderr');
      void channel.exited.then((code) => {
        exitCode = code;
        maybeExit();
      });
      return sessionId;
    },
    input(sessionId, data, eof) {
      const channel = sessions.get(sessionId);
      if (channel === undefined) return;
      if (data.length > 0) channel.stdin.write(data);
      if (eof) channel.stdin.end();
    },
    resize(sessionId, columns, rows) {
      sessions.get(sessionId)?.resize(columns, rows);
    },
    stop(sessionId) {
      sessions.get(sessionId)?.close();
    },
    dispose() {
      for (const channel of sessions.values()) channel.close();
      sessions.clear();
    },
  };
}
