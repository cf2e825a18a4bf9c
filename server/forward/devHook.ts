// Starts a dev session's port forwards (dev/start `ports` and the config's portForward entries)
// once its dev pod runs, and stops them when the session ends.
import type { WorkloadRef } from '../../protocol/errors.js';
import type { DevService, ReadyDevSession } from '../dev/service.js';
import { listWorkloadPods } from '../kube/pods.js';
import type { WorkloadTarget } from '../kube/pods.js';
import type { Logger } from '../logger.js';
import { projectContainerConfig } from '../run/config.js';
import type { Session } from '../session.js';
import type { ForwardService } from './service.js';

const keyOf = (ref: WorkloadRef): string => `${ref.namespace}/${ref.kind}/${ref.name}`;

/** `8080`, `9000:8080` → ports; pure. Undefined for text that is not a port spec. */
export function parseDevPort(spec: string): { localPort: number; remotePort: number } | undefined {
  const [first = '', second] = spec.split(':');
  const remote = Number(second ?? first);
  const local = second === undefined ? remote : first === '' ? 0 : Number(first);
  const valid = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65535;
  return valid(remote) && remote > 0 && valid(local) ? { localPort: local, remotePort: remote } : undefined;
}

export function wireForwardsToDevMode(session: Session, dev: DevService, forwards: ForwardService, log: Logger): void {
  const started = new Map<string, string[]>();
  dev.onReady('initial sync', async (ready: ReadyDevSession, progress) => {
    const config = await projectContainerConfig(session.workspaceFolder, ready.workload, ready.container).catch(
      () => undefined,
    );
    const wanted = [
      ...ready.ports.map(parseDevPort).filter((port) => port !== undefined),
      ...(config?.portForward ?? []).map((entry) => ({ localPort: entry.local, remotePort: entry.remote })),
    ];
    if (wanted.length === 0) return;
    const kube = await session.kube();
    // A separate dev pod is not selected by the workload: forward to it by name then.
    let target: WorkloadTarget = ready.workload;
    const pods = await listWorkloadPods(kube, ready.workload, AbortSignal.timeout(20_000)).catch(() => []);
    if (!pods.some((pod) => pod.name === ready.pod))
      target = { kind: 'Pod', name: ready.pod, namespace: ready.workload.namespace };
    const ids: string[] = [];
    for (const port of wanted) {
      try {
        const info = await forwards.start(kube, { workload: target, ...port, localAddress: '127.0.0.1' });
        ids.push(info.id);
        progress.report(`forwarding 127.0.0.1:${info.localPort} -> ${info.remotePort}`);
      } catch (error) {
        // A busy local port must not undo dev mode: the user sees it and picks another.
        const message = error instanceof Error ? error.message : String(error);
        progress.report(`port ${port.localPort} not forwarded: ${message}`);
        log.warn({ workload: keyOf(ready.workload), port, err: error }, 'dev forward failed');
      }
    }
    started.set(keyOf(ready.workload), [...(started.get(keyOf(ready.workload)) ?? []), ...ids]);
  });
  dev.onEnd(async (workload) => {
    const ids = started.get(keyOf(workload)) ?? [];
    started.delete(keyOf(workload));
    for (const id of ids) await forwards.stop(id);
  });
}
