// The engine's pushed state: one notification with a full snapshot on every change, so clients
// never poll.
/* eslint-disable @typescript-eslint/no-namespace -- one namespace per method is the protocol's shape */
import { NotificationType, ParameterStructures } from 'vscode-jsonrpc/node.js';
import type { DevSessionInfo } from './dev.js';
import type { PortForwardInfo } from './portForward.js';

/** Params of `engine/state`: the whole engine state. */
export interface EngineStateParams {
  /** Increases by one with each notification; a client ignores older snapshots. */
  seq: number;
  /** Why this snapshot was sent, e.g. `dev/start`, `sync batch`, `forward reconnected`. */
  reason: string;
  /** Kube context in use. */
  context?: string;
  /** Every dev session (with its sync state). */
  devSessions: DevSessionInfo[];
  /** Every port forward. */
  forwards: PortForwardInfo[];
}

/**
 * `engine/state` (engine → client): a baseline after `initialized`, then one after every state change
 * (dev mode, sync, forwards). Clients that opt out with `capabilities.stateNotifications: false` get none.
 */
export namespace EngineState {
  export const method = 'engine/state' as const;
  export const messageDirection = 'serverToClient' as const;
  export const type = new NotificationType<EngineStateParams>(method, ParameterStructures.byName);
}
