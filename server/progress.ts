// Work-done progress for one request: a reporter that does nothing when the client sent no token,
// so handlers never branch. Call done() in a finally block.
import type { ProgressToken } from '../protocol/index.js';
import type { EngineClient } from './engineClient.js';

export interface ProgressReporter {
  report(percentage: number | undefined, message?: string): void;
  done(message?: string): void;
}

const silent: ProgressReporter = { report: () => undefined, done: () => undefined };

export function beginProgress(
  client: EngineClient,
  token: ProgressToken | undefined,
  title: string,
  cancellable = true,
): ProgressReporter {
  if (token === undefined) return silent;
  let ended = false;
  client.progress(token, { kind: 'begin', title, cancellable, percentage: 0 });
  return {
    report(percentage, message) {
      if (ended) return;
      const value = percentage === undefined ? undefined : Math.max(0, Math.min(100, Math.round(percentage)));
      client.progress(token, {
        kind: 'report',
        ...(value !== undefined ? { percentage: value } : {}),
        ...(message !== undefined ? { message } : {}),
      });
    },
    done(message) {
      if (ended) return;
      ended = true;
      client.progress(token, { kind: 'end', ...(message !== undefined ? { message } : {}) });
    },
  };
}
