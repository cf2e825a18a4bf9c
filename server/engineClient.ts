// What services push to the client (progress, state, log lines), behind a small interface so they
// never touch the connection and tests can replace it.
import type { MessageConnection } from 'vscode-jsonrpc/node.js';
import { EngineLog, EngineState, LogLines, WorkDoneProgress } from '../protocol/index.js';
import type {
  EngineLogParams,
  EngineStateParams,
  LogLinesParams,
  ProgressToken,
  WorkDoneProgressValue,
} from '../protocol/index.js';

export interface EngineClient {
  progress(token: ProgressToken, value: WorkDoneProgressValue): void;
  state(params: EngineStateParams): void;
  log(params: EngineLogParams): void;
  logLines(params: LogLinesParams): void;
}

export function connectionClient(connection: MessageConnection): EngineClient {
  return {
    progress: (token, value) => void connection.sendProgress(WorkDoneProgress, token, value).catch(() => undefined),
    state: (params) => void connection.sendNotification(EngineState.type, params).catch(() => undefined),
    log: (params) => void connection.sendNotification(EngineLog.type, params).catch(() => undefined),
    logLines: (params) => void connection.sendNotification(LogLines.type, params).catch(() => undefined),
  };
}
