// Runs an engine request under window.withProgress: `$/progress` values become the notification's
// message and increments, and the notification's Cancel button cancels the request.
import * as vscode from 'vscode';
import type { WorkDoneProgressValue } from '../../../../protocol/progress.js';
import type { RequestOptions } from '../engine/engineClient.js';

export function withEngineProgress<T>(title: string, run: (options: RequestOptions) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => {
      let reported = 0;
      const onProgress = (value: WorkDoneProgressValue): void => {
        if (value.kind === 'end') return;
        const message =
          value.kind === 'begin' ? [value.title, value.message].filter(Boolean).join(': ') : value.message;
        // VS Code wants increments; the engine reports absolute percentages.
        const increment = value.percentage !== undefined ? Math.max(0, value.percentage - reported) : undefined;
        if (value.percentage !== undefined) reported = Math.max(reported, value.percentage);
        progress.report({
          ...(message !== undefined ? { message } : {}),
          ...(increment !== undefined ? { increment } : {}),
        });
      };
      return run({ token, onProgress });
    },
  );
}
