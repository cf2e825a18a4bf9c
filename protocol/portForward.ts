// Port forwarding from local ports to the pods of a workload.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { ParameterStructures, RequestType } from 'vscode-jsonrpc/node.js';
import type { PortInUseData } from './errors.js';
import type { WorkloadParams } from './dev.js';

/** One forward. */
export interface PortForwardInfo {
  /** Id for `portForward/stop`. */
  id: string;
  /** Workload whose pod receives the traffic. */
  workload: WorkloadParams;
  /** Local address, e.g. `127.0.0.1`. */
  localAddress: string;
  /** Local port. */
  localPort: number;
  /** Container port. */
  remotePort: number;
  /** Pod currently forwarded to. */
  pod?: string;
  /** active, or reconnecting while the pod is replaced. */
  state: 'active' | 'reconnecting' | 'error';
  /** Last error. */
  message?: string;
}

/** Params of `portForward/start`. */
export interface PortForwardStartParams extends WorkloadParams {
  /** Container port. */
  remotePort: number;
  /** Local port; 0 picks a free one. Default: same as remotePort. */
  localPort?: number;
  /** Local address. Default `127.0.0.1`. */
  localAddress?: string;
}

/**
 * `portForward/start` (client → engine): listens locally and forwards to a ready pod of the
 * workload, reconnecting when the pod is replaced. Errors: WorkloadNotFound, PortInUse.
 */
export namespace PortForwardStart {
  export const method = 'portForward/start' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<PortForwardStartParams, PortForwardInfo, PortInUseData>(
    method,
    ParameterStructures.byName,
  );
}

/** Params of `portForward/stop`. */
export interface PortForwardStopParams {
  /** Forward id. */
  id: string;
}

/** `portForward/stop` (client → engine): closes a forward; idempotent. */
export namespace PortForwardStop {
  export const method = 'portForward/stop' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<PortForwardStopParams, null, void>(method, ParameterStructures.byName);
}

/** Params of `portForward/list`. */
export type PortForwardListParams = Record<string, never>;

/** Result of `portForward/list`. */
export interface PortForwardListResult {
  /** Active forwards. */
  forwards: PortForwardInfo[];
}

/** `portForward/list` (client → engine): the forwards of this engine. */
export namespace PortForwardList {
  export const method = 'portForward/list' as const;
  export const messageDirection = 'clientToServer' as const;
  export const type = new RequestType<PortForwardListParams, PortForwardListResult, void>(
    method,
    ParameterStructures.byName,
  );
}
