// The podloop command's exit codes, and which protocol errors lead to which.
import { ErrorCodes } from '../../protocol/errors.js';

export const ExitCode = {
  /** Success. */
  Ok: 0,
  /** The engine answered an error, or the engine itself failed. */
  EngineError: 1,
  /** Bad command line (unknown command or option, malformed KIND/NAME). */
  Usage: 2,
  /** The cluster cannot be reached, rejects the credentials, or the kubeconfig is missing or invalid. */
  ClusterUnreachable: 3,
  /** The workload, container or dev session does not exist. */
  NotFound: 4,
  /** Interrupted (Ctrl-C): the running request was cancelled. */
  Cancelled: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeForError(code: number): ExitCode {
  switch (code) {
    case ErrorCodes.ClusterUnreachable:
    case ErrorCodes.Unauthorized:
    case ErrorCodes.InvalidConfig:
      return ExitCode.ClusterUnreachable;
    case ErrorCodes.WorkloadNotFound:
    case ErrorCodes.ContainerNotFound:
    case ErrorCodes.NotInDevMode:
      return ExitCode.NotFound;
    case ErrorCodes.Cancelled:
      return ExitCode.Cancelled;
    default:
      return ExitCode.EngineError;
  }
}
