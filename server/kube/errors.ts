// Maps failures of Kubernetes calls onto protocol errors, naming the API server in the message.
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes, httpStatusOf, statusReasonOf, unreachableCause } from '../../protocol/errors.js';
import { cancelledError } from '../cancellation.js';

function statusMessage(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  let body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return body as string;
    }
  }
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : undefined;
}

/**
 * Classifies a failed Kubernetes call. `cancelled` says whether the client cancelled (an abort is
 * then Cancelled; otherwise an abort was our timeout and means unreachable).
 */
export function toProtocolError(error: unknown, server: string, cancelled: boolean): ResponseError<unknown> {
  if (error instanceof ResponseError) return error as ResponseError<unknown>;
  if (cancelled) return cancelledError();
  const status = httpStatusOf(error);
  if (status === 401 || status === 403) {
    const what = status === 401 ? 'rejected the credentials' : 'forbids this action';
    const detail = statusMessage(error);
    return new ResponseError(
      ErrorCodes.Unauthorized,
      `The API server ${server} ${what}${detail ? `: ${detail}` : ''}; check the kubeconfig user`,
      {
        server,
        status,
      },
    );
  }
  if (status !== undefined) {
    const reason = statusReasonOf(error);
    return new ResponseError(
      ErrorCodes.KubernetesError,
      statusMessage(error) ?? `The API server ${server} answered HTTP ${status}`,
      {
        status,
        ...(reason !== undefined ? { reason } : {}),
      },
    );
  }
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  const cause = name === 'AbortError' || name === 'TimeoutError' ? 'ETIMEDOUT' : unreachableCause(error);
  if (cause !== undefined) {
    return new ResponseError(
      ErrorCodes.ClusterUnreachable,
      `Cannot reach the Kubernetes API server ${server} (${cause}); is the cluster running?`,
      {
        server,
        cause,
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ResponseError(ErrorCodes.UnknownError, `Kubernetes call to ${server} failed: ${message}`);
}
