// One pod on the sandbox node, from sandbox creation to removal: starts its containers in order,
// restarts them with back-off, runs their probes, publishes status and events, and tears it down.

import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { RecordEvent } from '../store/events.js';
import type { KubeObject } from '../store/objects.js';
import { resourceByPlural } from '../store/resources.js';
import type { ObjectStore } from '../store/store.js';
import { ContainerInstance, prepareLayer, type Mount } from './container.js';
import { execInContainer } from './exec.js';
import { resolveImage } from './images.js';
import { PodNetwork, ROOTLESS } from './network.js';
import { ProbeWorker, runProbeOnce, type ProbeKind, type ProbeTarget } from './probes.js';
import type { ProcessRegistry } from './processes.js';
import {
  backoffDelay,
  containerArgv,
  restartDelay,
  containerEnv,
  containerUser,
  podSpecOf,
  qosClass,
  resolvePort,
  shouldRestart,
  type EnvLookups,
  type LifecycleHandler,
  type PodSpec,
  type RestartPolicy,
} from './spec.js';
import {
  newRuntime,
  nowSeconds,
  resumeRuntime,
  startFailure,
  terminationMessage,
  type ContainerRuntime,
} from './runtime.js';
import { buildPodStatus, type ContainerSnapshot, type TerminatedState } from './status.js';
import { prepareVolumes, volumeSources, type PreparedVolume, type VolumeLookups } from './volumes.js';

const PODS = resourceByPlural('pods');

export interface KubeletSettings {
  store: ObjectStore;
  stateDir: string;
  imageDirs: string[];
  registry: ProcessRegistry;
  /** First crash back-off; doubles per consecutive crash up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long a probe "second" lasts (tests shrink it). */
  probeSecondMs: number;
  hostIP: string;
  /** ConfigMaps and Secrets (values base64 as stored) of a namespace. */
  lookups: (namespace: string) => VolumeLookups;
  recordEvent: RecordEvent;
}

/** An init container that keeps running beside the app containers (Kubernetes sidecars). */
function isSidecar(c: ContainerRuntime): boolean {
  return c.init && c.spec.restartPolicy === 'Always';
}

export class PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly podDir: string;
  readonly spec: PodSpec;
  readonly initContainers: ContainerRuntime[];
  readonly containers: ContainerRuntime[];
  network: PodNetwork | undefined;
  private volumes = new Map<string, PreparedVolume>();
  private initialized: boolean;
  private initFailed = false;
  /** The pod reached Succeeded or Failed: nothing starts again. */
  private finished = false;
  private terminating = false;
  private disposed = false;
  private killTimer: NodeJS.Timeout | undefined;
  private publishQueued = false;
  private readonly startTime = nowSeconds();
  private terminated: Promise<void> | undefined;

  constructor(
    private readonly settings: KubeletSettings,
    pod: KubeObject,
    readonly podIP: string,
  ) {
    this.uid = pod.metadata.uid;
    this.namespace = pod.metadata.namespace ?? 'default';
    this.name = pod.metadata.name;
    this.podDir = join(settings.stateDir, 'pods', this.uid);
    this.spec = podSpecOf(pod.spec);
    this.initContainers = (this.spec.initContainers ?? []).map((c) => newRuntime(c, true, 0));
    this.containers = this.spec.containers.map((c) => resumeRuntime(c, pod.status));
    if (this.initContainers.length > 0) {
      for (const c of this.containers) c.state = { waiting: { reason: 'PodInitializing' } };
    }
    this.initialized = this.initContainers.length === 0;
  }

  get restartPolicy(): RestartPolicy {
    return this.spec.restartPolicy ?? 'Always';
  }

  /** The pod object as stored now, if it is still this pod. */
  private current(): KubeObject | undefined {
    const pod = this.settings.store.tryGet(PODS, this.namespace, this.name);
    return pod && pod.metadata.uid === this.uid ? pod : undefined;
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    const pod = this.current();
    if (pod) this.settings.recordEvent(pod, type, reason, message, 'kubelet');
  }

  async start(): Promise<void> {
    this.publish();
    try {
      await mkdir(join(this.podDir, 'logs'), { recursive: true });
      const network = await PodNetwork.start(this.settings.registry, this.spec.hostNetwork ?? false);
      if (this.disposed || this.terminating) {
        // Deleted while its sandbox was being made: nothing else will close it.
        await network.close();
        return;
      }
      this.network = network;
      const { volumes, problems } = await prepareVolumes(
        this.podDir,
        this.settings.stateDir,
        this.namespace,
        this.spec.volumes ?? [],
        this.volumeLookups(),
      );
      this.volumes = volumes;
      for (const problem of problems) this.event('Warning', 'FailedMount', problem);
    } catch (error) {
      if (this.disposed || this.terminating) return;
      this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(error as Error).message}`);
      return;
    }
    this.publish();
    this.advance();
  }

  /** Starts the next init container, or every app container once initialization is done. */
  private advance(): void {
    if (this.terminating || this.disposed || this.initFailed) return;
    if (!this.initialized) {
      // A sidecar (an init container with restartPolicy Always) lets the next one start once it has started.
      const next = this.initContainers.find((c) =>
        isSidecar(c) ? !c.started : !('terminated' in c.state && c.state.terminated.exitCode === 0),
      );
      if (next) {
        if (!next.instance?.running && !next.timer) void this.startContainer(next);
        return;
      }
      this.initialized = true;
    }
    for (const c of this.containers) if (!c.instance && !c.timer) void this.startContainer(c);
    this.publish();
  }

  private async startContainer(c: ContainerRuntime): Promise<void> {
    if (c.pendingStart) return;
    c.pendingStart = this.createAndStart(c).finally(() => {
      c.pendingStart = undefined;
    });
    await c.pendingStart;
  }

  private async createAndStart(c: ContainerRuntime): Promise<void> {
    c.timer = undefined;
    if (this.terminating || this.disposed || this.finished || !this.network) return;
    const reference = c.spec.image ?? '';
    const image = reference
      ? await resolveImage(this.settings.stateDir, reference, this.settings.imageDirs)
      : undefined;
    if (this.terminating || this.disposed) return;
    if (!image && c.spec.imagePullPolicy === 'Never') {
      const message = `Container image "${reference}" is not present with pull policy of Never`;
      c.state = { waiting: { reason: 'ErrImageNeverPull', message } };
      this.event('Warning', 'ErrImageNeverPull', message);
      this.publish();
      c.timer = setTimeout(() => void this.startContainer(c), this.settings.backoffMaxMs);
      return;
    }
    if (!image) return this.imagePullFailed(c, reference);
    if ('waiting' in c.state && c.state.waiting.reason === 'PodInitializing') {
      c.state = { waiting: { reason: 'ContainerCreating' } };
      this.publish();
    }
    c.image = image;
    c.pullFailures = 0;
    this.event('Normal', 'Pulled', `Container image "${reference}" already present on machine`);
    const env = containerEnv(c.spec, image.manifest, this.name, this.envLookups());
    if ('error' in env) {
      c.state = { waiting: { reason: 'CreateContainerConfigError', message: env.error } };
      this.event('Warning', 'Failed', `Error: ${env.error}`);
      this.publish();
      c.timer = setTimeout(() => void this.startContainer(c), this.settings.backoffBaseMs);
      return;
    }
    const workingDir = c.spec.workingDir || image.manifest.workingDir || '/';
    const argv = containerArgv(c.spec, image.manifest);
    if (argv.length === 0) {
      c.state = { waiting: { reason: 'CreateContainerError', message: 'no command specified' } };
      this.event('Warning', 'Failed', 'Error: no command specified');
      this.publish();
      return;
    }
    const instanceDir = join(this.podDir, 'containers', c.spec.name, String(c.restartCount));
    const layer = join(instanceDir, 'rootfs');
    const logPath = join(this.podDir, 'logs', c.spec.name, `${c.restartCount}.log`);
    const previousInstance = c.instance;
    try {
      await rm(instanceDir, { recursive: true, force: true });
      await prepareLayer(layer, image.rootfs, this.name, this.podIP, workingDir, this.spec.hostAliases ?? []);
      await mkdir(join(this.podDir, 'logs', c.spec.name), { recursive: true });
      if (this.terminating || this.disposed) return;
      const mounts: Mount[] = [];
      for (const m of c.spec.volumeMounts ?? []) {
        const volume = this.volumes.get(m.name);
        if (!volume || !m.mountPath.startsWith('/')) continue;
        let source = volume.source;
        if (m.subPath) {
          source = join(volume.source, posix.normalize(m.subPath).replace(/^(\.\.\/)+/, ''));
          await mkdir(source, { recursive: true }).catch(() => undefined);
        }
        mounts.push({
          source,
          target: posix.normalize(m.mountPath),
          readOnly: volume.forceReadOnly || (m.readOnly ?? false),
        });
      }
      // The container's termination message file lives beside its layer, where the kubelet can read it.
      const messagePath = c.spec.terminationMessagePath || '/dev/termination-log';
      if (messagePath.startsWith('/')) {
        await writeFile(join(instanceDir, 'termination-log'), '');
        mounts.push({
          source: join(instanceDir, 'termination-log'),
          target: posix.normalize(messagePath),
          readOnly: false,
        });
      }
      const instance = await ContainerInstance.start(this.settings.registry, this.network, {
        hostname: this.spec.hostname || this.name,
        layer,
        mounts,
        workingDir,
        argv,
        env: env.env,
        stdin: c.spec.stdin ?? false,
        tty: c.spec.tty ?? false,
        hostNetwork: this.spec.hostNetwork ?? false,
        // Rootless, the pod's user namespace maps only root: runAsUser cannot be honoured there.
        user: ROOTLESS ? undefined : containerUser(c.spec, this.spec),
        logPath,
      });
      if (this.disposed) {
        instance.kill();
        return;
      }
      c.instance = instance;
      c.containerID = `containerd://${randomBytes(32).toString('hex')}`;
      this.event('Normal', 'Created', `Created container ${c.spec.name}`);
      const exit = instance.running ? undefined : await instance.exited;
      const notStarted = exit && startFailure(instance, exit.exitCode);
      if (exit && notStarted) {
        // As with runc: a command that cannot be executed fails the start; the container never runs.
        this.event('Warning', 'Failed', `Error: ${notStarted}`);
        // After this start has settled, so that a restart is not taken for a duplicate of it.
        setImmediate(() => this.onExit(c, instance, exit));
        return;
      }
      this.event('Normal', 'Started', `Started container ${c.spec.name}`);
      c.state = { running: { startedAt: instance.startedAt } };
      c.started = !c.spec.startupProbe;
      c.ready = c.started && !c.spec.readinessProbe && (!c.init || isSidecar(c));
      if (!c.init || isSidecar(c)) this.startProbes(c, instance);
      if (isSidecar(c) && c.started && !this.initialized) setImmediate(() => this.advance());
      this.publish();
      // Deferred past this start even when the command has already ended, for the same reason as above.
      void instance.exited.then((exit) => setImmediate(() => this.onExit(c, instance, exit)));
      const postStart = c.spec.lifecycle?.postStart;
      if (postStart) void this.runPostStart(c, instance, postStart);
      // The previous instance's files are not needed once a new one runs (its log stays).
      if (previousInstance && previousInstance !== instance) {
        void rm(join(this.podDir, 'containers', c.spec.name, String(c.restartCount - 1)), {
          recursive: true,
          force: true,
        });
      }
    } catch (error) {
      if (this.terminating || this.disposed) return;
      c.state = { waiting: { reason: 'RunContainerError', message: (error as Error).message } };
      this.event('Warning', 'Failed', `Error: ${(error as Error).message}`);
      this.publish();
    }
  }

  /** Runs a lifecycle handler in the container (exec) or its network (httpGet, tcpSocket), or sleeps. */
  private async runHook(
    c: ContainerRuntime,
    instance: ContainerInstance,
    handler: LifecycleHandler,
    timeoutMs: number,
  ): Promise<{ ok: boolean; message: string }> {
    if (handler.sleep) {
      await delay(Math.min(Math.max(0, handler.sleep.seconds ?? 0) * 1000, timeoutMs));
      return { ok: true, message: '' };
    }
    const timeoutSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    return runProbeOnce(this.probeTarget(c, instance), { ...handler, timeoutSeconds });
  }

  /** A failing postStart hook kills the container, which then restarts per its policy. */
  private async runPostStart(
    c: ContainerRuntime,
    instance: ContainerInstance,
    handler: LifecycleHandler,
  ): Promise<void> {
    const result = await this.runHook(c, instance, handler, 30_000);
    if (result.ok || c.instance !== instance || !instance.running || this.terminating) return;
    this.event('Warning', 'FailedPostStartHook', `PostStartHook failed: ${result.message}`);
    this.event('Normal', 'Killing', `FailedPostStartHook`);
    instance.kill();
  }

  private imagePullFailed(c: ContainerRuntime, reference: string): void {
    c.pullFailures++;
    const ref = reference.includes('/') || reference.includes('.') ? reference : `docker.io/library/${reference}`;
    const full = /:[^/]+$/.test(ref) ? ref : `${ref}:latest`;
    const message = `rpc error: code = NotFound desc = failed to pull and unpack image "${full}": failed to resolve reference "${full}": ${full}: not found`;
    c.state = { waiting: { reason: 'ErrImagePull', message } };
    this.event('Normal', 'Pulling', `Pulling image "${reference}"`);
    this.event('Warning', 'Failed', `Failed to pull image "${reference}": ${message}`);
    this.event('Warning', 'Failed', 'Error: ErrImagePull');
    this.publish();
    const delay = backoffDelay(c.pullFailures, this.settings.backoffBaseMs, this.settings.backoffMaxMs);
    c.timer = setTimeout(
      () => {
        if (this.terminating || this.disposed) return;
        c.state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${reference}"` } };
        this.event('Normal', 'BackOff', `Back-off pulling image "${reference}"`);
        this.event('Warning', 'Failed', 'Error: ImagePullBackOff');
        this.publish();
        c.timer = setTimeout(() => void this.startContainer(c), delay);
      },
      Math.min(delay, this.settings.backoffBaseMs),
    );
  }

  /** ConfigMaps and Secrets of the pod's namespace, and downward API fields as files hold them. */
  private volumeLookups(): VolumeLookups {
    return {
      ...this.settings.lookups(this.namespace),
      field: (path) => {
        const pod = this.current();
        if (pod && (path === 'metadata.labels' || path === 'metadata.annotations')) {
          const map = (path === 'metadata.labels' ? pod.metadata.labels : pod.metadata.annotations) ?? {};
          return Object.entries(map)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => `${k}=${JSON.stringify(v)}\n`)
            .join('');
        }
        return this.fieldValue(path);
      },
    };
  }

  private envLookups(): EnvLookups {
    const cluster = this.settings.lookups(this.namespace);
    return {
      configMap: (name) => cluster.configMap(name)?.data,
      secret: (name) => {
        const data = cluster.secret(name);
        if (!data) return undefined;
        return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
      },
      field: (path) => this.fieldValue(path),
    };
  }

  private fieldValue(path: string): string | undefined {
    const pod = this.current();
    switch (path) {
      case 'metadata.name':
        return this.name;
      case 'metadata.namespace':
        return this.namespace;
      case 'metadata.uid':
        return this.uid;
      case 'status.podIP':
        return this.podIP;
      case 'status.hostIP':
        return this.settings.hostIP;
      case 'spec.nodeName':
        return this.spec.nodeName;
      case 'spec.serviceAccountName':
        return ((pod?.spec ?? {}) as { serviceAccountName?: string }).serviceAccountName ?? 'default';
    }
    const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (m && pod) return (pod.metadata[m[1] as 'labels' | 'annotations'] ?? {})[m[2]!];
    return undefined;
  }

  private probeTarget(c: ContainerRuntime, instance: ContainerInstance): ProbeTarget {
    const registry = this.settings.registry;
    return {
      dial: (port, timeoutMs) => {
        if (!this.network) return Promise.reject(new Error('no pod network'));
        return this.network.dial(registry, port, timeoutMs);
      },
      exec: async (command, timeoutMs) => {
        const p = execInContainer(registry, instance, command, {
          stdin: false,
          stdout: true,
          stderr: true,
          tty: false,
        });
        let output = '';
        p.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        p.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
        const timer = setTimeout(() => p.kill(), timeoutMs);
        const { exitCode } = await p.exited.finally(() => clearTimeout(timer));
        return { exitCode, output };
      },
      resolvePort: (port) => resolvePort(port, c.spec),
    };
  }

  private startProbes(c: ContainerRuntime, instance: ContainerInstance): void {
    const target = this.probeTarget(c, instance);
    const label: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };
    const make = (kind: ProbeKind): ProbeWorker | undefined => {
      const probe =
        kind === 'liveness' ? c.spec.livenessProbe : kind === 'readiness' ? c.spec.readinessProbe : c.spec.startupProbe;
      if (!probe) return undefined;
      return new ProbeWorker(
        kind,
        probe,
        target,
        (ok) => this.onProbeVerdict(c, instance, kind, ok),
        (message) => this.event('Warning', 'Unhealthy', `${label[kind]} probe failed: ${message}`),
        this.settings.probeSecondMs,
      );
    };
    const startup = make('startup');
    if (startup) {
      // Liveness and readiness wait for the startup probe to pass.
      c.probes.push(startup);
      this.pendingMainProbes.set(c, make);
    } else {
      this.startMainProbes(c, make);
    }
  }

  private readonly pendingMainProbes = new Map<ContainerRuntime, (kind: ProbeKind) => ProbeWorker | undefined>();

  private startMainProbes(c: ContainerRuntime, make: (kind: ProbeKind) => ProbeWorker | undefined): void {
    for (const kind of ['liveness', 'readiness'] as const) {
      const worker = make(kind);
      if (worker) c.probes.push(worker);
    }
  }

  private onProbeVerdict(c: ContainerRuntime, instance: ContainerInstance, kind: ProbeKind, ok: boolean): void {
    if (c.instance !== instance || !instance.running || this.terminating) return;
    if (kind === 'readiness') {
      c.ready = ok && c.started;
      this.publish();
      return;
    }
    if (kind === 'startup' && ok) {
      c.started = true;
      c.ready = !c.spec.readinessProbe;
      const make = this.pendingMainProbes.get(c);
      if (make) this.startMainProbes(c, make);
      this.publish();
      if (isSidecar(c)) this.advance();
      return;
    }
    if (!ok) {
      const what = kind === 'liveness' ? 'liveness' : 'startup';
      this.event('Normal', 'Killing', `Container ${c.spec.name} failed ${what} probe, will be restarted`);
      for (const p of c.probes) p.stop();
      c.probes = [];
      const probe = kind === 'liveness' ? c.spec.livenessProbe : c.spec.startupProbe;
      this.stopInstance(
        instance,
        probe?.terminationGracePeriodSeconds ?? this.spec.terminationGracePeriodSeconds ?? 30,
      );
    }
  }

  /** SIGTERM, then SIGKILL once the grace period has passed. */
  private stopInstance(instance: ContainerInstance, graceSeconds: number): void {
    instance.signal('SIGTERM');
    const timer = setTimeout(() => instance.kill(), Math.max(0, graceSeconds) * 1000);
    void instance.exited.then(() => clearTimeout(timer));
  }

  private onExit(
    c: ContainerRuntime,
    instance: ContainerInstance,
    exit: { exitCode: number; finishedAt: string },
  ): void {
    if (c.instance !== instance || this.disposed) return;
    for (const p of c.probes) p.stop();
    c.probes = [];
    this.pendingMainProbes.delete(c);
    c.ready = false;
    c.started = false;
    const terminated: TerminatedState = {
      exitCode: exit.exitCode,
      reason: exit.exitCode === 0 ? 'Completed' : 'Error',
      startedAt: instance.startedAt,
      finishedAt: exit.finishedAt,
      ...(c.containerID ? { containerID: c.containerID } : {}),
    };
    if (exit.exitCode > 128 && exit.exitCode < 160) terminated.signal = exit.exitCode - 128;
    const message = terminationMessage(c.spec, instance, exit.exitCode);
    if (message) terminated.message = message;
    const notStarted = startFailure(instance, exit.exitCode);
    if (notStarted) Object.assign(terminated, { exitCode: 128, reason: 'StartError', message: notStarted });
    if (this.terminating || this.finished) {
      c.state = { terminated };
      this.publish();
      return;
    }
    const restart = isSidecar(c)
      ? true
      : c.init
        ? exit.exitCode !== 0 && this.restartPolicy !== 'Never'
        : shouldRestart(this.restartPolicy, exit.exitCode);
    if (c.init && !isSidecar(c) && exit.exitCode === 0) {
      c.state = { terminated };
      this.publish();
      this.advance();
      return;
    }
    if (!restart) {
      c.state = { terminated };
      if (c.init) {
        this.initFailed = true;
        this.event('Warning', 'Failed', `Init container ${c.spec.name} failed with exit code ${exit.exitCode}`);
      }
      this.publish();
      return;
    }
    // A container that ran long enough without crashing starts its back-off afresh.
    const ranMs = Date.parse(exit.finishedAt) - Date.parse(instance.startedAt);
    c.consecutiveFailures = ranMs > this.settings.backoffMaxMs * 2 ? 1 : c.consecutiveFailures + 1;
    const delay = restartDelay(c.consecutiveFailures, this.settings.backoffBaseMs, this.settings.backoffMaxMs);
    c.lastState = { terminated };
    c.restartCount++;
    if (delay === 0) {
      // The first restart is immediate; meanwhile the status shows how the container ended.
      c.state = { terminated };
      this.publish();
      void this.startContainer(c);
      return;
    }
    c.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.spec.name} pod=${this.name}_${this.namespace}(${this.uid})`,
      },
    };
    this.event(
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${c.spec.name} in pod ${this.name}_${this.namespace}(${this.uid})`,
    );
    this.publish();
    c.timer = setTimeout(() => void this.startContainer(c), delay);
  }

  /**
   * The pod's spec changed in place: a container whose image changed is restarted with the new
   * image, the one mutation Kubernetes allows that the kubelet acts on.
   */
  updateSpec(pod: KubeObject): void {
    if (this.terminating || this.disposed) return;
    const next = podSpecOf(pod.spec);
    for (const c of [...this.containers, ...this.initContainers]) {
      const wanted = [...next.containers, ...(next.initContainers ?? [])].find((n) => n.name === c.spec.name);
      if (!wanted || wanted.image === c.spec.image) continue;
      c.spec = { ...c.spec, image: wanted.image };
      if (c.init || !c.instance?.running) continue;
      this.event('Normal', 'Killing', `Container ${c.spec.name} definition changed, will be restarted`);
      this.stopInstance(c.instance, this.spec.terminationGracePeriodSeconds ?? 30);
    }
  }

  /**
   * A configMap or secret changed: its volumes get the new contents (subPath mounts keep theirs,
   * as in Kubernetes). Environment variables never change in a running container.
   */
  async refreshVolumes(kind: 'configmaps' | 'secrets', name: string): Promise<void> {
    if (this.terminating || this.disposed || !this.network) return;
    const affected = (this.spec.volumes ?? []).filter((v) =>
      volumeSources(v).some((source) => source.kind === kind && source.name === name),
    );
    if (affected.length === 0) return;
    await prepareVolumes(this.podDir, this.settings.stateDir, this.namespace, affected, this.volumeLookups());
  }

  /** Coalesces status writes made in one turn of the event loop. */
  publish(): void {
    if (this.publishQueued || this.disposed) return;
    this.publishQueued = true;
    setImmediate(() => {
      this.publishQueued = false;
      if (this.disposed) return;
      this.writeStatus();
    });
  }

  private snapshot(c: ContainerRuntime): ContainerSnapshot {
    return {
      name: c.spec.name,
      image: c.spec.image ?? '',
      imageID: c.image ? `${c.spec.image}@${c.image.id}` : '',
      containerID: c.containerID,
      state: c.state,
      lastState: c.lastState,
      ready: c.ready,
      started: c.started,
      restartCount: c.restartCount,
    };
  }

  private writeStatus(): void {
    for (let attempt = 0; attempt < 3; attempt++) {
      const pod = this.current();
      if (!pod) return;
      const status = buildPodStatus(
        {
          restartPolicy: this.restartPolicy,
          initContainers: this.initContainers.map((c) => this.snapshot(c)),
          containers: this.containers.map((c) => this.snapshot(c)),
          initialized: this.initialized,
          initFailed: this.initFailed,
          sandboxReady: this.network?.alive ?? false,
          podIP: this.network ? this.podIP : undefined,
          hostIP: this.settings.hostIP,
          startTime: this.startTime,
          qosClass: qosClass(this.spec.containers),
        },
        (pod.status ?? undefined) as Record<string, unknown> | undefined,
        nowSeconds(),
      );
      try {
        this.settings.store.update(PODS, { ...pod, status: status as KubeObject['status'] }, { subresource: 'status' });
        if ((status.phase === 'Succeeded' || status.phase === 'Failed') && this.network?.alive) {
          // A finished pod's sidecars stop and its sandbox goes, as on a real node; its logs stay.
          this.finished = true;
          const sidecars = this.initContainers.filter((c) => isSidecar(c) && c.instance?.running);
          for (const c of sidecars) c.instance?.kill();
          const network = this.network;
          void Promise.all(sidecars.map((c) => c.instance?.exited))
            .then(() => network.close())
            .then(() => this.publish());
        }
        return;
      } catch (error) {
        if ((error as { code?: number }).code !== 409) return;
      }
    }
  }

  /** Graceful deletion: SIGTERM every container, SIGKILL after the grace period, then remove the pod. */
  terminate(graceSeconds: number): Promise<void> {
    const deadline = Date.now() + Math.max(0, graceSeconds) * 1000;
    if (this.killTimer) {
      // A second delete may only shorten the wait.
      const remaining = this.killDeadline - Date.now();
      if (deadline >= this.killDeadline || remaining <= 0) return this.terminated!;
      clearTimeout(this.killTimer);
    }
    this.killDeadline = deadline;
    this.killTimer = setTimeout(() => this.killAll(), Math.max(0, deadline - Date.now()));
    if (this.terminated) return this.terminated;
    this.terminating = true;
    const all = [...this.initContainers, ...this.containers];
    for (const c of all) {
      if (c.timer) clearTimeout(c.timer);
      c.timer = undefined;
      for (const p of c.probes) p.stop();
      c.probes = [];
    }
    this.terminated = (async () => {
      // A container still being started gets its SIGTERM like the others once it runs.
      await Promise.all(all.map((c) => c.pendingStart));
      await Promise.all(all.map((c) => this.stopForDeletion(c)));
      await Promise.all(all.map((c) => c.instance?.exited));
      if (this.killTimer) clearTimeout(this.killTimer);
      await this.network?.close();
      if (this.disposed) return;
      this.disposed = true;
      const pod = this.current();
      if (pod) {
        try {
          this.settings.store.remove(PODS, this.namespace, this.name);
        } catch {
          // Removed meanwhile (force delete).
        }
      }
      await rm(this.podDir, { recursive: true, force: true }).catch(() => undefined);
    })();
    return this.terminated;
  }

  private killDeadline = 0;

  /** preStop hook (within the grace period), then SIGTERM; SIGKILL follows from the kill timer. */
  private async stopForDeletion(c: ContainerRuntime): Promise<void> {
    const instance = c.instance;
    if (!instance?.running) return;
    this.event('Normal', 'Killing', `Stopping container ${c.spec.name}`);
    const preStop = c.spec.lifecycle?.preStop;
    if (preStop && Date.now() < this.killDeadline) {
      const result = await this.runHook(c, instance, preStop, this.killDeadline - Date.now());
      if (!result.ok) this.event('Warning', 'FailedPreStopHook', `PreStopHook failed: ${result.message}`);
    }
    if (Date.now() >= this.killDeadline) instance.kill();
    else instance.signal('SIGTERM');
  }

  private killAll(): void {
    for (const c of [...this.initContainers, ...this.containers]) c.instance?.kill();
  }

  /** The pod object is gone (force delete): kill at once and clean up. */
  async forget(): Promise<void> {
    const done = this.terminate(0);
    this.killAll();
    await done;
  }

  /** The kubelet is stopping: kill every process, leave the pod object as it is. Idempotent. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.terminating = true;
    if (this.killTimer) clearTimeout(this.killTimer);
    for (const c of [...this.initContainers, ...this.containers]) {
      if (c.timer) clearTimeout(c.timer);
      for (const p of c.probes) p.stop();
      c.instance?.kill();
    }
    await Promise.all([...this.initContainers, ...this.containers].map((c) => c.instance?.exited));
    await this.network?.close();
  }

  /** The container a stream request names (default: the first app container). */
  container(name: string | undefined): ContainerRuntime | undefined {
    if (name === undefined) return this.containers[0];
    return [...this.containers, ...this.initContainers].find((c) => c.spec.name === name);
  }
}
