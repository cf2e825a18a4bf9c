// One port forward: a local listener whose connections go to the workload's current pod, which a
// pod watch keeps up to date across replacements. Owns the listener, the watch, the connection to
// the current pod and the streams.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { PortInUseData } from '../../protocol/errors.js';
import type { PortForwardInfo } from '../../protocol/portForward.js';
import type { Kube } from '../kube/index.js';
import { openPodForward } from '../kube/portForward.js';
import type { PodConnection, PodForward } from '../kube/portForward.js';
import { currentPod, pickPod, watchWorkloadPods } from '../kube/pods.js';
import type { PodSummary, WorkloadTarget } from '../kube/pods.js';
import type { Logger } from '../logger.js';

export interface ForwardSpec {
  id: string;
  workload: WorkloadTarget;
  remotePort: number;
  localPort: number;
  localAddress: string;
}

/** Listens on the local address; PortInUse when taken. */
function listen(address: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Half-open: a client that shuts down its sending side still reads the pod's answer. A 1 MiB
    // buffer pauses a bulk transfer (and with it the pod's SPDY connection) less often.
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true, highWaterMark: 1 << 20 });
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        const data: PortInUseData = { port };
        reject(
          new ResponseError(
            ErrorCodes.PortInUse,
            `Local port ${port} on ${address} is already in use; pick another local port or 0 for a free one`,
            data,
          ),
        );
      } else reject(error);
    });
    server.listen({ host: address, port, exclusive: true }, () => resolve(server));
  });
}

export class PortForwarder {
  private readonly abort = new AbortController();
  private readonly connections = new Set<PodConnection>();
  private pod: PodSummary | undefined;
  /** The connection to `forwardPod`, opened with the first local connection to it. */
  private podForward: PodForward | undefined;
  private forwardPod: string | undefined;
  private state: PortForwardInfo['state'] = 'reconnecting';
  private message: string | undefined;
  private disposed = false;

  private constructor(
    private readonly kube: Kube,
    private readonly spec: ForwardSpec,
    private readonly server: Server,
    private readonly onChange: (info: PortForwardInfo, reason: string) => void,
    private readonly log: Logger,
  ) {}

  /** Listens and resolves the first pod; rejects with PortInUse or WorkloadNotFound. */
  static async start(
    kube: Kube,
    spec: ForwardSpec,
    onChange: (info: PortForwardInfo, reason: string) => void,
    log: Logger,
  ): Promise<PortForwarder> {
    const first = await currentPod(kube, spec.workload, AbortSignal.timeout(30_000));
    const server = await listen(spec.localAddress, spec.localPort);
    const address = server.address();
    const localPort = typeof address === 'object' && address !== null ? address.port : spec.localPort;
    const forwarder = new PortForwarder(kube, { ...spec, localPort }, server, onChange, log);
    forwarder.pod = first;
    forwarder.state = 'active';
    server.on('connection', (socket: Socket) => void forwarder.accept(socket));
    watchWorkloadPods(
      kube,
      spec.workload,
      (pods) => forwarder.podsChanged(pods),
      forwarder.abort.signal,
      (error) => log.debug({ err: error, forward: spec.id }, 'pod watch dropped'),
    );
    return forwarder;
  }

  info(): PortForwardInfo {
    const { workload } = this.spec;
    return {
      id: this.spec.id,
      workload: {
        kind: workload.kind as PortForwardInfo['workload']['kind'],
        name: workload.name,
        namespace: workload.namespace,
      },
      localAddress: this.spec.localAddress,
      localPort: this.spec.localPort,
      remotePort: this.spec.remotePort,
      ...(this.pod !== undefined ? { pod: this.pod.name } : {}),
      state: this.state,
      ...(this.message !== undefined ? { message: this.message } : {}),
    };
  }

  private podsChanged(pods: PodSummary[]): void {
    if (this.disposed) return;
    const next = pickPod(pods);
    const before = this.pod?.uid;
    const stillThere = pods.some((pod) => pod.uid === before && !pod.deleting && pod.phase === 'Running');
    // Keep a working pod while it lives; move only when it goes away.
    if (stillThere) return;
    if (next?.uid === before) return;
    if (this.pod !== undefined) {
      // Connections to the old pod cannot survive it: end them now so clients retry at once.
      for (const connection of this.connections) connection.close();
      this.closePodForward();
    }
    this.pod = next;
    this.state = next === undefined ? 'reconnecting' : 'active';
    this.message = next === undefined ? 'waiting for a running pod' : undefined;
    this.log.info({ forward: this.spec.id, pod: next?.name }, 'forward target changed');
    this.onChange(this.info(), next === undefined ? 'forward reconnecting' : 'forward reconnected');
  }

  /** Waits (bounded) for a pod while reconnecting, so new connections work within seconds. */
  private async podForConnection(): Promise<PodSummary | undefined> {
    const deadline = Date.now() + 30_000;
    while (!this.disposed && Date.now() < deadline) {
      if (this.pod !== undefined) return this.pod;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return undefined;
  }

  private podForwardTo(pod: PodSummary): PodForward {
    if (this.podForward === undefined || this.forwardPod !== pod.uid) {
      this.closePodForward();
      this.podForward = openPodForward(
        this.kube,
        { namespace: this.spec.workload.namespace, pod: pod.name, port: this.spec.remotePort },
        this.log,
      );
      this.forwardPod = pod.uid;
    }
    return this.podForward;
  }

  private closePodForward(): void {
    this.podForward?.dispose();
    this.podForward = undefined;
    this.forwardPod = undefined;
  }

  /** Shows what the pod side reported (nothing listening on the port, say) as the forward's last error. */
  private podErrorReported(podError: string): void {
    this.log.warn({ forward: this.spec.id, podError }, 'pod side error');
    if (this.disposed || this.message === podError) return;
    this.message = podError;
    this.onChange(this.info(), 'forward error');
  }

  private async accept(socket: Socket): Promise<void> {
    socket.on('error', () => undefined);
    for (let attempt = 0; attempt < 3 && !this.disposed; attempt++) {
      const pod = await this.podForConnection();
      if (pod === undefined) break;
      try {
        const connection = await this.podForwardTo(pod).connect(socket);
        this.connections.add(connection);
        void connection.closed.then((podError) => {
          this.connections.delete(connection);
          // What a replaced pod said about a connection it took along is no longer news.
          if (podError !== undefined && this.pod?.uid === pod.uid) this.podErrorReported(podError);
        });
        return;
      } catch (error) {
        // The pod went away between the watch and the dial: find the current one and retry.
        this.log.debug({ err: error, forward: this.spec.id, pod: pod.name }, 'dial failed');
        if (this.pod?.uid === pod.uid) {
          try {
            this.pod = await currentPod(this.kube, this.spec.workload, AbortSignal.timeout(10_000));
          } catch {
            this.pod = undefined;
          }
        }
      }
    }
    socket.destroy();
  }

  /** Closes the listener, the watch and every connection; idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.abort.abort();
    for (const connection of this.connections) connection.close();
    this.closePodForward();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
