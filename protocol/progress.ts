// Work-done progress and cancellation, exactly as LSP defines them: `$/progress` carries
// begin/report/end values for a token the client put in a request's `workDoneToken`.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { NotificationType, ParameterStructures, ProgressType } from 'vscode-jsonrpc/node.js';
import type { ProgressToken } from 'vscode-jsonrpc/node.js';

export type { ProgressToken };

/** Mixed into the params of every long-running request. */
export interface WorkDoneProgressParams {
  /** A token the client invented; when present the engine reports progress on it with `$/progress`. */
  workDoneToken?: ProgressToken;
}

/** First value reported on a token. */
export interface WorkDoneProgressBegin {
  /** Always `begin`. */
  kind: 'begin';
  /** Short title of the operation, e.g. `Syncing files`. */
  title: string;
  /** Whether the client may cancel the request (it sends `$/cancelRequest`). */
  cancellable?: boolean;
  /** Detail, e.g. `12/40 files`. */
  message?: string;
  /** 0..100; absent when the amount of work is unknown. */
  percentage?: number;
}

/** Intermediate value reported on a token. */
export interface WorkDoneProgressReport {
  /** Always `report`. */
  kind: 'report';
  /** Whether cancelling is (still) possible. */
  cancellable?: boolean;
  /** Detail replacing the previous one. */
  message?: string;
  /** 0..100. */
  percentage?: number;
}

/** Last value reported on a token; sent even when the request fails. */
export interface WorkDoneProgressEnd {
  /** Always `end`. */
  kind: 'end';
  /** Final detail, e.g. `done in 1.2 s`. */
  message?: string;
}

export type WorkDoneProgressValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/** Params of `$/progress`. */
export interface ProgressParams {
  /** The token from the request's `workDoneToken`. */
  token: ProgressToken;
  /** The progress value. */
  value: WorkDoneProgressValue;
}

/** The progress type to use with `connection.onProgress` and `connection.sendProgress`. */
export const WorkDoneProgress = new ProgressType<WorkDoneProgressValue>();

/**
 * `$/progress` (engine → client): reports work-done progress for a request that carried a
 * `workDoneToken`. Clients register with `connection.onProgress(WorkDoneProgress, token, ...)`.
 */
export namespace Progress {
  export const method = '$/progress' as const;
  export const messageDirection = 'serverToClient' as const;
  export const type = new NotificationType<ProgressParams>(method, ParameterStructures.byName);
}

/** Params of `$/cancelRequest`. */
export interface CancelParams {
  /** Id of the request to cancel. */
  id: number | string;
}

/**
 * `$/cancelRequest` (client → engine): cancels a request in flight. The request then answers
 * Cancelled (-32800). Clients send it by cancelling the token passed to `sendRequest`.
 */
export namespace CancelRequest {
  export const method = '$/cancelRequest' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new NotificationType<CancelParams>(method, ParameterStructures.byName);
}
