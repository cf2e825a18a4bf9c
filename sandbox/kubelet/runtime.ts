// A container of a pod across its restarts (the kubelet's record of it), and how the end of one
// of its instances is described: termination message, start failures, resumption after a restart.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ContainerInstance } from './container.js';
import type { ResolvedImage } from './images.js';
import { parseLogLine } from './logfile.js';
import type { ProbeWorker } from './probes.js';
import type { ContainerSpec } from './spec.js';
import type { ContainerState, TerminatedState } from './status.js';

/** A container of the pod, across its restarts. */
export interface ContainerRuntime {
  spec: ContainerSpec;
  init: boolean;
  restartCount: number;
  consecutiveFailures: number;
  pullFailures: number;
  image: ResolvedImage | undefined;
  instance: ContainerInstance | undefined;
  containerID: string | undefined;
  state: ContainerState;
  lastState: { terminated?: TerminatedState };
  ready: boolean;
  started: boolean;
  probes: ProbeWorker[];
  timer: NodeJS.Timeout | undefined;
  /** Set while a start is under way (image, layer, process). */
  pendingStart: Promise<void> | undefined;
}

export function nowSeconds(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function newRuntime(spec: ContainerSpec, init: boolean, restartCount: number): ContainerRuntime {
  // Init containers wait for their turn as PodInitializing; app containers are being created.
  return {
    spec,
    init,
    restartCount,
    consecutiveFailures: 0,
    pullFailures: 0,
    image: undefined,
    instance: undefined,
    containerID: undefined,
    state: { waiting: { reason: init ? 'PodInitializing' : 'ContainerCreating' } },
    lastState: {},
    ready: false,
    started: false,
    probes: [],
    timer: undefined,
    pendingStart: undefined,
  };
}

interface PublishedContainerStatus {
  name: string;
  restartCount?: number;
  containerID?: string;
  state?: { running?: { startedAt?: string } };
  lastState?: { terminated?: TerminatedState };
}

/**
 * A pod found in the store when the kubelet starts (the sandbox restarted) keeps counting where
 * its published status left off; a container that was running counts as ended (reason Unknown),
 * as after a node reboot.
 */
export function resumeRuntime(spec: ContainerSpec, status: unknown): ContainerRuntime {
  const statuses = ((status ?? {}) as { containerStatuses?: PublishedContainerStatus[] }).containerStatuses ?? [];
  const previous = statuses.find((c) => c.name === spec.name);
  const runtime = newRuntime(spec, false, previous?.restartCount ?? 0);
  if (!previous?.containerID) return runtime;
  if (previous.state?.running) {
    runtime.restartCount++;
    runtime.lastState = {
      terminated: {
        exitCode: 255,
        reason: 'Unknown',
        startedAt: previous.state.running.startedAt ?? nowSeconds(),
        finishedAt: nowSeconds(),
        containerID: previous.containerID,
      },
    };
  } else if (previous.lastState?.terminated) {
    runtime.lastState = { terminated: previous.lastState.terminated };
  }
  return runtime;
}

/** What the container left in its termination message file, or its log's tail when told to fall back. */
export function terminationMessage(
  spec: ContainerSpec,
  instance: ContainerInstance,
  exitCode: number,
): string | undefined {
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  const written = read(join(dirname(instance.launch.layer), 'termination-log')).slice(0, 4096);
  if (written) return written;
  if (spec.terminationMessagePolicy !== 'FallbackToLogsOnError' || exitCode === 0) return undefined;
  const text = read(instance.launch.logPath)
    .split('\n')
    .map((line) => parseLogLine(line))
    .filter((line) => line !== undefined)
    .map((line) => line.text)
    .slice(-80)
    .join('\n');
  return text.slice(-2048) || undefined;
}

/**
 * A command that could not be executed at all is a StartError (exit code 128) with the runtime's
 * wording, not an ordinary failure of the program.
 */
export function startFailure(instance: ContainerInstance, exitCode: number): string | undefined {
  if (exitCode !== 127 && exitCode !== 126) return undefined;
  let text = '';
  try {
    text = readFileSync(instance.launch.logPath, 'utf8');
  } catch {
    return undefined;
  }
  const m = /setpriv: failed to execute (\S+): (.*)$/m.exec(text);
  if (!m) return undefined;
  const what = m[2]!.includes('No such file') ? 'executable file not found in $PATH' : m[2]!.trim();
  return `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${m[1]}": ${what}: unknown`;
}
