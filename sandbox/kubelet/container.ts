// One container instance: its writable root (the image's files copied into a fresh layer), the
// bubblewrap argv that gives it its own PID/UTS namespaces inside the pod's network, and its process.

import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { PTY_HELPER, PYTHON, SETPRIV, withDefaultCapabilities } from './exec.js';
import { LogWriter } from './logfile.js';
import { BWRAP, readChildPid, type PodNetwork } from './network.js';
import { killTree, tryKill, type ProcessRegistry, type TrackedProcess } from './processes.js';

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerLaunch {
  hostname: string;
  /** The instance's writable root folder (prepared by prepareLayer). */
  layer: string;
  mounts: Mount[];
  workingDir: string;
  argv: string[];
  env: Map<string, string>;
  stdin: boolean;
  /** The pod uses the host's network namespace. */
  hostNetwork?: boolean;
  /** runAsUser/runAsGroup; root when absent. */
  user?: { uid: number; gid: number };
  /** Runs the command on a pseudo-terminal (spec.tty); its output is then one stream. */
  tty: boolean;
  logPath: string;
}

/**
 * Host paths every container sees read-only: the toolchains and what they need from /etc. Tool
 * configuration that may hold credentials (npmrc, pip.conf, gitconfig) stays on the host.
 */
const TOP_LEVEL = ['lib', 'lib32', 'lib64', 'libx32', 'bin', 'sbin'];
const ETC_SHARED = [
  'ssl',
  'alternatives',
  'ca-certificates',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'mime.types',
  'protocols',
  'services',
  'magic',
  'terminfo',
  'gai.conf',
  'host.conf',
];
const ETC_COPIED = ['passwd', 'group', 'nsswitch.conf', 'resolv.conf', 'profile', 'bash.bashrc', 'inputrc', 'shells'];

function hostEtcShared(): string[] {
  let entries: string[] = [];
  try {
    entries = readdirSync('/etc');
  } catch {
    return [];
  }
  const wanted = entries.filter((e) => ETC_SHARED.includes(e) || /^(java|python|maven|node)/.test(e));
  return wanted.map((e) => `/etc/${e}`);
}

/** Copies the image into a new layer and adds the files a container expects in /etc and /tmp. */
export async function prepareLayer(
  layer: string,
  imageRootfs: string | undefined,
  hostname: string,
  podIP: string,
  workingDir: string,
  hostAliases: { ip: string; hostnames: string[] }[] = [],
): Promise<void> {
  await mkdir(layer, { recursive: true });
  if (imageRootfs)
    await cp(imageRootfs, layer, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, force: true });
  await mkdir(join(layer, 'etc'), { recursive: true });
  await mkdir(join(layer, 'tmp'), { recursive: true });
  await chmod(join(layer, 'tmp'), 0o1777);
  await mkdir(join(layer, 'root'), { recursive: true });
  await mkdir(join(layer, workingDir), { recursive: true });
  for (const name of ETC_COPIED) {
    const target = join(layer, 'etc', name);
    if (existsSync(target) || !existsSync(`/etc/${name}`)) continue;
    await copyFile(`/etc/${name}`, target).catch(() => undefined);
  }
  await writeFile(join(layer, 'etc', 'hostname'), `${hostname}\n`);
  const aliases = hostAliases.map((a) => `${a.ip}\t${a.hostnames.join('\t')}\n`).join('');
  const extra = aliases ? `\n# Entries added by HostAliases.\n${aliases}` : '';
  await writeFile(
    join(layer, 'etc', 'hosts'),
    `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${podIP}\t${hostname}\n${extra}`,
  );
}

/** The bwrap argv for a container (pure, apart from looking at which host paths exist). */
export function bwrapArgv(launch: ContainerLaunch): string[] {
  const args = [
    BWRAP,
    '--die-with-parent',
    '--unshare-pid',
    '--unshare-uts',
    '--hostname',
    launch.hostname,
    '--as-pid-1',
  ];
  args.push('--bind', launch.layer, '/');
  args.push('--ro-bind', '/usr', '/usr');
  for (const name of TOP_LEVEL) {
    const host = `/${name}`;
    if (existsSync(join(launch.layer, name))) continue;
    try {
      const info = lstatSync(host);
      if (info.isSymbolicLink()) args.push('--symlink', readlinkSync(host), host);
      else if (info.isDirectory()) args.push('--ro-bind', host, host);
    } catch {
      // Not on this host.
    }
  }
  args.push('--proc', '/proc', '--dev', '/dev');
  for (const path of hostEtcShared()) {
    if (existsSync(join(launch.layer, path))) continue;
    args.push('--ro-bind', path, path);
  }
  for (const mount of launch.mounts) args.push(mount.readOnly ? '--ro-bind' : '--bind', mount.source, mount.target);
  args.push('--chdir', launch.workingDir, '--info-fd', '3', '--', ...launch.argv);
  return args;
}

export interface InstanceExit {
  exitCode: number;
  /** Set when the process was ended by a signal. */
  signal: string | undefined;
  finishedAt: string;
}

type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void;

/** A running container process. Its exit resolves only after its log file is complete. */
export class ContainerInstance {
  readonly startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  /** Host pid of the container's PID 1 once known. */
  mainPid: number | undefined;
  readonly exited: Promise<InstanceExit>;
  private ended = false;
  private readonly listeners = new Set<OutputListener>();
  private readonly log: LogWriter;

  private constructor(
    private readonly process: TrackedProcess,
    readonly launch: ContainerLaunch,
  ) {
    this.log = new LogWriter(launch.logPath);
    for (const stream of ['stdout', 'stderr'] as const) {
      process.child[stream]?.on('data', (chunk: Buffer) => {
        this.log.write(stream, chunk);
        for (const listener of this.listeners) listener(stream, chunk);
      });
    }
    process.child.stdin?.on('error', () => undefined);
    (process.child.stdio[4] as Writable | null | undefined)?.on('error', () => undefined);
    this.exited = process.exited.then(async ({ code, signal }) => {
      await this.log.close();
      this.ended = true;
      const signalNumbers: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 };
      const exitCode = code ?? 128 + (signal ? (signalNumbers[signal] ?? 9) : 9);
      return { exitCode, signal: signal ?? undefined, finishedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    });
  }

  static async start(
    registry: ProcessRegistry,
    network: PodNetwork,
    launch: ContainerLaunch,
  ): Promise<ContainerInstance> {
    // A terminal needs a relay inside the sandbox; it takes resize requests on fd 4.
    const command = launch.tty
      ? [PYTHON, '-c', PTY_HELPER, '4', launch.stdin ? '1' : '0', ...launch.argv]
      : launch.argv;
    const argv = [
      ...network.enter(true),
      '--',
      ...bwrapArgv({ ...launch, argv: withDefaultCapabilities(command, launch.user) }),
    ];
    const tracked = registry.spawn(argv, {
      stdio: [launch.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe', launch.tty ? 'pipe' : 'ignore'],
      env: Object.fromEntries(launch.env),
    });
    const instance = new ContainerInstance(tracked, launch);
    try {
      const pid = await readChildPid(tracked);
      tracked.extraPids.add(pid);
      const runs = await waitForExec(pid, instance);
      instance.mainPid = pid;
      // A command that could not be executed never ran: its exit is known before the container counts as started.
      if (!runs) await instance.exited;
    } catch {
      // bwrap failed before starting the command; its stderr is in the log and exited reports the code.
    }
    return instance;
  }

  get running(): boolean {
    return !this.ended;
  }

  get stdin(): Writable | null {
    return this.process.child.stdin;
  }

  /** Resizes the container's terminal (tty containers only). */
  resize(columns: number, rows: number): void {
    const control = this.process.child.stdio[4] as Writable | null | undefined;
    if (!this.launch.tty || !control || this.ended || columns <= 0 || rows <= 0) return;
    control.write(`${Math.floor(columns)} ${Math.floor(rows)}\n`);
  }

  /** Subscribes to the process's output (attach). Returns an unsubscribe. */
  onOutput(listener: OutputListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** SIGTERM reaches PID 1 only if it handles it, as in any container runtime. */
  signal(signal: NodeJS.Signals): void {
    if (this.ended) return;
    if (this.mainPid !== undefined) tryKill(this.mainPid, signal);
    else killTree(this.process, signal);
  }

  kill(): void {
    if (this.ended) return;
    killTree(this.process, 'SIGKILL');
  }
}

/**
 * bwrap reports the child's pid before it has built the root view; exec and probes may only
 * enter once the command itself runs there (its executable is no longer bwrap, nor the setpriv that
 * drops capabilities before executing it). False when the process ended before its command ran.
 */
async function waitForExec(pid: number, instance: ContainerInstance): Promise<boolean> {
  for (let i = 0; i < 1000 && instance.running; i++) {
    const exe = await readlink(`/proc/${pid}/exe`).catch(() => undefined);
    if (exe === undefined) return processAlive(pid);
    if (exe !== BWRAP && exe !== SETPRIV) return true;
    await delay(5);
  }
  return instance.running;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
