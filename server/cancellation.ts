// Turns a JSON-RPC cancellation token into an AbortSignal at the boundary, so every watch, exec,
// stream and HTTP call below can be cancelled the same way.
import { ResponseError } from 'vscode-jsonrpc/node.js';
import type { CancellationToken } from 'vscode-jsonrpc/node.js';
import { ErrorCodes } from '../protocol/errors.js';

/** An AbortSignal that aborts when the token is cancelled; call dispose when the request is done. */
export function abortSignalOf(token: CancellationToken | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  if (token === undefined) return { signal: controller.signal, dispose: () => undefined };
  if (token.isCancellationRequested) {
    controller.abort(cancelledError());
    return { signal: controller.signal, dispose: () => undefined };
  }
  const listener = token.onCancellationRequested(() => controller.abort(cancelledError()));
  return { signal: controller.signal, dispose: () => listener.dispose() };
}

export function cancelledError(): ResponseError<void> {
  return new ResponseError(ErrorCodes.Cancelled, 'The request was cancelled');
}

/** Rejects with Cancelled as soon as the token fires, whatever the work is still doing. */
export function raceCancellation<T>(work: Promise<T>, token: CancellationToken | undefined): Promise<T> {
  if (token === undefined) return work;
  if (token.isCancellationRequested) {
    void work.catch(() => undefined);
    return Promise.reject(cancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const listener = token.onCancellationRequested(() => {
      listener.dispose();
      reject(cancelledError());
    });
    work.then(
      (value) => {
        listener.dispose();
        resolve(value);
      },
      (error: unknown) => {
        listener.dispose();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
