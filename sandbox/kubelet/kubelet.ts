// The sandbox node's kubelet: watches pods bound to this node, runs each as a PodWorker, and serves
// the streaming subresources (exec, attach, port-forward, logs) for the API server.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { NODE_NAME } from '../store/cluster.js';
import { ApiError, badRequest, notFound } from '../store/errors.js';
import { eventRecorder } from '../store/events.js';
import type { KubeObject } from '../store/objects.js';
import { resourceByPlural } from '../store/resources.js';
import type { ObjectStore, WatchEvent } from '../store/store.js';
import type { ContainerProcess, ExecOptions, LogOptions, PodStreams } from './api.js';
import { attachToContainer, execInContainer } from './exec.js';
import { readLogFile } from './logfile.js';
import { PodWorker } from './pod.js';
import { ProcessRegistry } from './processes.js';
import type { ContainerRuntime } from './runtime.js';
import type { VolumeLookups } from './volumes.js';

const PODS = resourceByPlural('pods');
const CONFIGMAPS = resourceByPlural('configmaps');
const SECRETS = resourceByPlural('secrets');

export interface KubeletOptions {
  store: ObjectStore;
  stateDir: string;
  /** Extra folders of images (laid out like sandbox/images) searched before the built-in ones. */
  imageDirs?: string[];
  /** First crash/pull back-off (default 10 s, doubling). */
  backoffBaseMs?: number;
  /** Back-off cap (default 300 s). */
  backoffMaxMs?: number;
  /** Length of a probe "second" for initialDelaySeconds/periodSeconds (default 1000; tests shrink it). */
  probeSecondMs?: number;
}

export interface Kubelet extends PodStreams {
  /** Kills every process the kubelet started and waits for them. Pod objects stay in the store. */
  stop(): Promise<void>;
}

/** Pod IPs are only reported, never routed: unique loopback addresses 127.42.x.y. */
function allocatePodIP(uid: string, used: Set<string>): string {
  let n = parseInt(uid.replace(/-/g, '').slice(0, 4), 16) % 65000;
  for (;;) {
    const ip = `127.42.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
    if (!used.has(ip)) return ip;
    n = (n + 1) % 65000;
  }
}

/** Folders of pods that no longer exist (deleted while the sandbox was down) are not needed. */
async function removeOrphanPodDirs(stateDir: string, isKnown: (uid: string) => boolean): Promise<void> {
  const entries = await readdir(join(stateDir, 'pods')).catch(() => [] as string[]);
  for (const uid of entries) {
    if (!isKnown(uid)) await rm(join(stateDir, 'pods', uid), { recursive: true, force: true }).catch(() => undefined);
  }
}

function isRunningInstance(c: ContainerRuntime): boolean {
  return c.instance !== undefined && c.instance.running;
}

export function startKubelet(options: KubeletOptions): Kubelet {
  const { store } = options;
  const registry = new ProcessRegistry();
  const workers = new Map<string, PodWorker>();
  const usedIPs = new Set<string>();
  let stopped = false;

  const lookups = (namespace: string): VolumeLookups => ({
    configMap(name) {
      const cm = store.tryGet(CONFIGMAPS, namespace, name);
      if (!cm) return undefined;
      return {
        data: (cm.data ?? {}) as Record<string, string>,
        binaryData: (cm.binaryData ?? {}) as Record<string, string>,
      };
    },
    secret(name) {
      const secret = store.tryGet(SECRETS, namespace, name);
      if (!secret) return undefined;
      const data = { ...((secret.data ?? {}) as Record<string, string>) };
      for (const [k, v] of Object.entries((secret.stringData ?? {}) as Record<string, string>))
        data[k] = Buffer.from(v).toString('base64');
      return data;
    },
  });

  const settings = {
    store,
    stateDir: options.stateDir,
    imageDirs: options.imageDirs ?? [],
    registry,
    backoffBaseMs: options.backoffBaseMs ?? 10_000,
    backoffMaxMs: options.backoffMaxMs ?? 300_000,
    probeSecondMs: options.probeSecondMs ?? 1000,
    hostIP: '127.0.0.1',
    lookups,
    recordEvent: eventRecorder(store),
  };

  function forget(uid: string): void {
    const worker = workers.get(uid);
    if (!worker) return;
    void worker.forget().finally(() => {
      workers.delete(uid);
      usedIPs.delete(worker.podIP);
    });
  }

  function sync(pod: KubeObject): void {
    if (stopped) return;
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (spec.nodeName !== NODE_NAME) return;
    const uid = pod.metadata.uid;
    let worker = workers.get(uid);
    const phase = ((pod.status ?? {}) as { phase?: string }).phase;
    if (!worker) {
      if (pod.metadata.deletionTimestamp) {
        // Nothing of it runs here (a restart found it terminating): finish the deletion.
        try {
          store.remove(PODS, pod.metadata.namespace, pod.metadata.name);
        } catch {
          // Already gone.
        }
        return;
      }
      // Finished pods stay finished across a sandbox restart.
      if (phase === 'Succeeded' || phase === 'Failed') return;
      // hostNetwork pods share the node's address, as on a real node.
      const ip = (pod.spec as { hostNetwork?: boolean }).hostNetwork ? settings.hostIP : allocatePodIP(uid, usedIPs);
      if (ip !== settings.hostIP) usedIPs.add(ip);
      worker = new PodWorker(settings, pod, ip);
      workers.set(uid, worker);
      void worker.start();
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? 30;
      const w = worker;
      void w.terminate(grace).finally(() => {
        if (workers.get(uid) === w) workers.delete(uid);
        usedIPs.delete(w.podIP);
      });
      return;
    }
    worker.updateSpec(pod);
  }

  const unsubscribe = store.watch(PODS, (event: WatchEvent) => {
    if (event.type === 'DELETED') forget(event.object.metadata.uid);
    else sync(event.object);
  });
  const refresh = (kind: 'configmaps' | 'secrets') => (event: WatchEvent) => {
    const { namespace, name } = event.object.metadata;
    for (const worker of workers.values()) {
      if (worker.namespace === namespace) void worker.refreshVolumes(kind, name).catch(() => undefined);
    }
  };
  const unsubscribeConfigMaps = store.watch(CONFIGMAPS, refresh('configmaps'));
  const unsubscribeSecrets = store.watch(SECRETS, refresh('secrets'));
  const existing = store.list(PODS).items;
  for (const pod of existing) sync(pod);
  const known = new Set(existing.map((p) => p.metadata.uid));
  void removeOrphanPodDirs(options.stateDir, (uid) => known.has(uid) || workers.has(uid));

  function workerFor(namespace: string, name: string): { pod: KubeObject; worker: PodWorker | undefined } {
    const pod = store.tryGet(PODS, namespace, name);
    if (!pod) throw notFound('pods', '', name);
    return { pod, worker: workers.get(pod.metadata.uid) };
  }

  function pickContainer(
    pod: KubeObject,
    worker: PodWorker | undefined,
    container: string | undefined,
  ): ContainerRuntime {
    const names = ((pod.spec ?? {}) as { containers?: { name: string }[] }).containers?.map((c) => c.name) ?? [];
    if (container === undefined && names.length > 1) {
      throw badRequest(
        `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`,
      );
    }
    const runtime = worker?.container(container);
    if (!runtime) {
      if (container !== undefined && !names.includes(container)) {
        throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
      }
      throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    }
    return runtime;
  }

  function runningContainer(namespace: string, name: string, container: string | undefined): ContainerRuntime {
    const { pod, worker } = workerFor(namespace, name);
    const phase = ((pod.status ?? {}) as { phase?: string }).phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    }
    const runtime = pickContainer(pod, worker, container);
    if (!isRunningInstance(runtime)) throw badRequest(`container not found ("${runtime.spec.name}")`);
    return runtime;
  }

  /** Logs of a pod no worker runs (it finished before the sandbox restarted): what its files hold. */
  async function storedLogs(pod: KubeObject, logOptions: LogOptions): Promise<Readable> {
    const names = (pod.spec ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] };
    const all = [...(names.containers ?? []), ...(names.initContainers ?? [])].map((c) => c.name);
    const name = logOptions.container ?? (names.containers?.length === 1 ? names.containers[0]!.name : undefined);
    if (name === undefined) return pickContainerError(pod, all);
    if (!all.includes(name)) throw badRequest(`container ${name} is not valid for pod ${pod.metadata.name}`);
    const dir = join(options.stateDir, 'pods', pod.metadata.uid, 'logs', name);
    const instances = (await readdir(dir).catch(() => [] as string[]))
      .map((f) => /^(\d+)\.log$/.exec(f)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const chosen = logOptions.previous ? instances.at(-2) : instances.at(-1);
    if (chosen === undefined) {
      if (logOptions.previous)
        throw badRequest(`previous terminated container "${name}" in pod "${pod.metadata.name}" not found`);
      return Readable.from([]);
    }
    return readLogFile(join(dir, `${chosen}.log`), { ...logOptions, follow: false }, () => false);
  }

  function pickContainerError(pod: KubeObject, names: string[]): never {
    throw badRequest(
      `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`,
    );
  }

  return {
    async exec(
      namespace: string,
      pod: string,
      container: string | undefined,
      command: string[],
      execOptions: ExecOptions,
    ): Promise<ContainerProcess> {
      if (command.length === 0) throw badRequest('you must specify at least one command for the container');
      const runtime = runningContainer(namespace, pod, container);
      return execInContainer(registry, runtime.instance!, command, execOptions);
    },

    async attach(
      namespace: string,
      pod: string,
      container: string | undefined,
      execOptions: ExecOptions,
    ): Promise<ContainerProcess> {
      const runtime = runningContainer(namespace, pod, container);
      const wantsStdin = execOptions.stdin && (runtime.spec.stdin ?? false);
      return attachToContainer(
        runtime.instance!,
        { ...execOptions, stdin: wantsStdin },
        runtime.spec.stdinOnce ?? false,
      );
    },

    async portForward(namespace: string, pod: string, port: number): Promise<Duplex> {
      const { worker } = workerFor(namespace, pod);
      if (!worker?.network?.alive) throw badRequest(`pod ${pod} is not running`);
      return worker.network.dial(registry, port);
    },

    async logs(namespace: string, pod: string, logOptions: LogOptions): Promise<Readable> {
      const { pod: object, worker } = workerFor(namespace, pod);
      const nodeName = ((object.spec ?? {}) as { nodeName?: string }).nodeName;
      if (!nodeName) return Readable.from([]);
      if (!worker) return storedLogs(object, logOptions);
      const runtime = pickContainer(object, worker, logOptions.container);
      const name = runtime.spec.name;
      const logDir = join(worker.podDir, 'logs', name);
      if (logOptions.previous) {
        if (!runtime.lastState.terminated || runtime.restartCount === 0) {
          throw badRequest(`previous terminated container "${name}" in pod "${pod}" not found`);
        }
        // Instance n logs to n.log; the last terminated one is restartCount - 1 (running or backing off).
        return readLogFile(
          join(logDir, `${runtime.restartCount - 1}.log`),
          { ...logOptions, follow: false },
          () => false,
        );
      }
      const instance = runtime.instance;
      if (!instance) {
        const waiting = 'waiting' in runtime.state ? runtime.state.waiting.reason : undefined;
        const why =
          waiting === 'ImagePullBackOff'
            ? ": image can't be pulled"
            : waiting === 'ErrImagePull'
              ? ': trying and failing to pull image'
              : waiting
                ? `: ${waiting}`
                : ' - no logs yet';
        throw new ApiError(400, 'BadRequest', `container "${name}" in pod "${pod}" is waiting to start${why}`);
      }
      return readLogFile(instance.launch.logPath, logOptions, () => runtime.instance === instance && instance.running);
    },

    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      unsubscribeConfigMaps();
      unsubscribeSecrets();
      await Promise.all([...workers.values()].map((w) => w.dispose()));
      workers.clear();
      await registry.killAll();
    },
  };
}
