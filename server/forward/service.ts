// The engine's port forwards: starts, stops and lists them and mirrors each into engine/state.
// Owns every PortForwarder it starts and closes them at shutdown.
import { randomBytes } from 'node:crypto';
import type { PortForwardInfo } from '../../protocol/portForward.js';
import type { Kube } from '../kube/index.js';
import type { WorkloadTarget } from '../kube/pods.js';
import type { Logger } from '../logger.js';
import type { EngineStateHub } from '../state.js';
import { PortForwarder } from './portForwarder.js';

export interface ForwardRequest {
  workload: WorkloadTarget;
  remotePort: number;
  localPort: number;
  localAddress: string;
}

export interface ForwardService {
  start(kube: Kube, request: ForwardRequest): Promise<PortForwardInfo>;
  /** Idempotent. */
  stop(id: string): Promise<void>;
  list(): PortForwardInfo[];
  dispose(): Promise<void>;
}

export function createForwardService(state: EngineStateHub, log: Logger): ForwardService {
  const forwards = new Map<string, PortForwarder>();
  const forwardLog = log.child({ component: 'forward' });
  return {
    async start(kube, request) {
      const id = `pf-${randomBytes(4).toString('hex')}`;
      const forwarder = await PortForwarder.start(
        kube,
        { id, ...request },
        (info, reason) => {
          if (forwards.has(info.id)) state.setForward(info, reason);
        },
        forwardLog,
      );
      forwards.set(id, forwarder);
      const info = forwarder.info();
      state.setForward(info, 'portForward/start');
      forwardLog.info({ id, localPort: info.localPort, remotePort: info.remotePort, pod: info.pod }, 'forward started');
      return info;
    },
    async stop(id) {
      const forwarder = forwards.get(id);
      if (forwarder === undefined) return;
      forwards.delete(id);
      await forwarder.dispose();
      state.removeForward(id, 'portForward/stop');
    },
    list: () => [...forwards.values()].map((forwarder) => forwarder.info()).sort((a, b) => a.localPort - b.localPort),
    async dispose() {
      const all = [...forwards.values()];
      forwards.clear();
      await Promise.all(all.map((forwarder) => forwarder.dispose()));
    },
  };
}
