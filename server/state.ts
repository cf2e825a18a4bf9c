// The engine state clients mirror: every dev session and port forward. Services record changes
// here; each change pushes a full `engine/state` snapshot, so clients never poll.
import type { WorkloadRef } from '../protocol/errors.js';
import type { DevSessionInfo } from '../protocol/dev.js';
import type { PortForwardInfo } from '../protocol/portForward.js';
import type { EngineStateParams } from '../protocol/state.js';
import type { EngineClient } from './engineClient.js';

export interface EngineStateHub {
  snapshot(reason: string): EngineStateParams;
  /** Adds or replaces the session of `info.workload`. */
  setDevSession(info: DevSessionInfo, reason: string): void;
  removeDevSession(workload: WorkloadRef, reason: string): void;
  /** Adds or replaces the forward with `info.id`. */
  setForward(info: PortForwardInfo, reason: string): void;
  removeForward(id: string, reason: string): void;
  devSessions(): DevSessionInfo[];
  forwards(): PortForwardInfo[];
  /** Pushes the current state unchanged, e.g. as the baseline right after `initialized`. */
  announce(reason: string): void;
}

export interface StateHubOptions {
  /** Whether the client wants `engine/state` (initialize's `capabilities.stateNotifications`). */
  enabled(): boolean;
  /** Kube context in use, for the snapshot. */
  context(): string | undefined;
}

const keyOf = (workload: WorkloadRef) => `${workload.namespace}/${workload.kind}/${workload.name}`;

export function createStateHub(client: EngineClient, options: StateHubOptions): EngineStateHub {
  const sessions = new Map<string, DevSessionInfo>();
  const forwards = new Map<string, PortForwardInfo>();
  let seq = 0;

  const hub: EngineStateHub = {
    snapshot(reason) {
      const context = options.context();
      return {
        seq,
        reason,
        ...(context !== undefined ? { context } : {}),
        devSessions: hub.devSessions(),
        forwards: hub.forwards(),
      };
    },
    setDevSession(info, reason) {
      sessions.set(keyOf(info.workload), info);
      changed(reason);
    },
    removeDevSession(workload, reason) {
      if (sessions.delete(keyOf(workload))) changed(reason);
    },
    setForward(info, reason) {
      forwards.set(info.id, info);
      changed(reason);
    },
    removeForward(id, reason) {
      if (forwards.delete(id)) changed(reason);
    },
    devSessions: () => [...sessions.values()].sort((a, b) => keyOf(a.workload).localeCompare(keyOf(b.workload))),
    forwards: () => [...forwards.values()].sort((a, b) => a.localPort - b.localPort),
    announce: (reason) => changed(reason),
  };

  function changed(reason: string): void {
    seq += 1;
    if (options.enabled()) client.state(hub.snapshot(reason));
  }

  return hub;
}
