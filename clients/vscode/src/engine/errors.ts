// Engine failures as one typed error a UI can show: the protocol error code, its catalog name, and
// whether it only means "not supported yet" or "cancelled" (neither is a real failure to alarm on).
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes, errorCatalog } from '../../../../protocol/errors.js';

export class EngineRequestError extends Error {
  /** Protocol error code (see protocol/errors.ts), or InternalError when the engine never answered. */
  readonly code: number;
  /** Catalog name of the code, e.g. `NotSupportedYet`. */
  readonly codeName: string;
  /** The method that failed. */
  readonly method: string;
  /** The error's typed `data`, unchecked. */
  readonly data: unknown;

  constructor(method: string, code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'EngineRequestError';
    this.method = method;
    this.code = code;
    this.codeName = errorCatalog.find((entry) => entry.code === code)?.name ?? `Error${code}`;
    this.data = data;
  }

  get notSupported(): boolean {
    return this.code === ErrorCodes.NotSupportedYet;
  }

  get cancelled(): boolean {
    return this.code === ErrorCodes.Cancelled;
  }
}

/** Wraps whatever a request rejected with; a lost engine counts as an internal failure. */
export function toEngineRequestError(method: string, error: unknown): EngineRequestError {
  if (error instanceof EngineRequestError) return error;
  if (error instanceof ResponseError) return new EngineRequestError(method, error.code, error.message, error.data);
  const text = error instanceof Error ? error.message : String(error);
  return new EngineRequestError(
    method,
    ErrorCodes.InternalError,
    `the podloop engine did not answer ${method}: ${text}`,
  );
}

/** One sentence for a notification: what failed and what the user can do. */
export function describeFailure(error: EngineRequestError): string {
  if (error.notSupported) return `podloop: ${error.method} is not supported by this engine yet.`;
  if (error.cancelled) return `podloop: ${error.method} was cancelled.`;
  return `podloop: ${error.message} (${error.codeName})`;
}
