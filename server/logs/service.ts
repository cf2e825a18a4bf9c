// The engine's log streams (logs/follow and run output): ids, batchers bound to the client, and
// cleanup. Owns every stream it starts and ends them at shutdown.
import { randomBytes } from 'node:crypto';
import type { LogLinesParams } from '../../protocol/logs.js';
import type { Kube } from '../kube/index.js';
import type { Logger } from '../logger.js';
import { LogBatcher } from './batcher.js';
import { LogStream } from './logStream.js';
import type { LogStreamSpec } from './logStream.js';

export interface LogService {
  /** Starts a stream; lines go out after the returned id (the first batch waits for a pod list). */
  follow(kube: Kube, spec: Omit<LogStreamSpec, 'streamId'>): string;
  /** Idempotent. */
  stop(streamId: string): void;
  /** A batcher for a stream fed by other code (run output), with a fresh id. */
  batcher(prefix: string): LogBatcher & { streamId: string };
  dispose(): void;
}

/** `send` writes one notification and resolves once it is written. */
export function createLogService(send: (params: LogLinesParams) => Promise<void> | void, log: Logger): LogService {
  const streams = new Map<string, LogStream>();
  const logsLog = log.child({ component: 'logs' });
  const newId = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;
  return {
    follow(kube, spec) {
      const streamId = newId('logs');
      const batcher = new LogBatcher({ streamId, send });
      const stream = new LogStream(kube, { ...spec, streamId }, batcher, logsLog, () => streams.delete(streamId));
      streams.set(streamId, stream);
      // The response carrying the id is written before any line of the stream.
      setImmediate(() => stream.start());
      return streamId;
    },
    stop(streamId) {
      streams.get(streamId)?.dispose();
      streams.delete(streamId);
    },
    batcher(prefix) {
      const streamId = newId(prefix);
      return Object.assign(new LogBatcher({ streamId, send }), { streamId });
    },
    dispose() {
      for (const stream of streams.values()) stream.dispose();
      streams.clear();
    },
  };
}
