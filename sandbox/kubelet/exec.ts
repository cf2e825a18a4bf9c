// Processes run inside a running container (exec, exec probes) by entering its namespaces and
// root with nsenter, optionally on a pseudo-terminal relayed by a small python3 helper; and attach.

import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { ContainerProcess, ExecOptions } from './api.js';
import type { ContainerInstance } from './container.js';
import { NSENTER, ROOTLESS } from './network.js';
import { killTree, type ProcessRegistry } from './processes.js';

export const PYTHON = '/usr/bin/python3';

/**
 * Runs argv on a new pseudo-terminal and relays it over stdio: `python3 -c HELPER CTLFD STDIN argv...`.
 * CTLFD carries "COLS ROWS\n" resize requests; STDIN is 1 when fd 0 should be relayed. Signals
 * are forwarded to the terminal's process group. Exits with the child's status (128+n for signal n).
 */
export const PTY_HELPER = `
import os, pty, sys, select, fcntl, termios, struct, signal
ctlfd = int(sys.argv[1])
relay_stdin = sys.argv[2] == "1"
pid, master = pty.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[3], sys.argv[3:])
    except OSError as e:
        sys.stderr.write("exec %s: %s\\r\\n" % (sys.argv[3], e.strerror)); os._exit(127)
def forward(signum, frame):
    try: os.killpg(pid, signum)
    except OSError: pass
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(s, forward)
inputs = [master, ctlfd] + ([0] if relay_stdin else [])
ctl = b""
status = None
while True:
    try:
        ready, _, _ = select.select(inputs, [], [], 0.2)
    except InterruptedError:
        continue
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if not data:
            inputs.remove(0)
            try: os.write(master, b"\\x04")
            except OSError: pass
        else:
            os.write(master, data)
    if ctlfd in ready:
        data = os.read(ctlfd, 4096)
        if not data:
            inputs.remove(ctlfd)
        ctl += data
        while b"\\n" in ctl:
            line, ctl = ctl.split(b"\\n", 1)
            parts = line.split()
            if len(parts) == 2:
                fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", int(parts[1]), int(parts[0]), 0, 0))
    if status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
    elif master not in ready:
        break
if status is None:
    _, status = os.waitpid(pid, 0)
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

export const SETPRIV = '/usr/bin/setpriv';

/** The capabilities container runtimes grant by default; every other one is dropped. */
const DEFAULT_CAPABILITIES = [
  'chown',
  'dac_override',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'net_bind_service',
  'net_raw',
  'sys_chroot',
  'mknod',
  'audit_write',
  'setfcap',
];

/** Runs `command` with only the default container capabilities (for the entrypoint and for exec). */
export function withDefaultCapabilities(command: string[], user?: { uid: number; gid: number }): string[] {
  const bounding = ['-all', ...DEFAULT_CAPABILITIES.map((c) => `+${c}`)].join(',');
  const identity = user ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups'] : [];
  return [SETPRIV, ...identity, `--bounding-set=${bounding}`, '--inh-caps=-all', '--', ...command];
}

/** nsenter argv entering every namespace of the container's PID 1, its root and working directory. */
export function nsenterArgv(
  mainPid: number,
  command: string[],
  user?: { uid: number; gid: number },
  hostNetwork = false,
): string[] {
  return [
    NSENTER,
    `--target=${mainPid}`,
    ...(ROOTLESS ? ['--user', '--preserve-credentials'] : []),
    '--mount',
    '--uts',
    '--ipc',
    // hostNetwork containers share the kubelet's network namespace already.
    ...(hostNetwork ? [] : ['--net']),
    '--pid',
    '--root',
    '--wd',
    '--',
    ...withDefaultCapabilities(command, user),
  ];
}

export function execInContainer(
  registry: ProcessRegistry,
  instance: ContainerInstance,
  command: string[],
  options: ExecOptions,
): ContainerProcess {
  if (instance.mainPid === undefined || !instance.running) throw new Error('container is not running');
  const inner = nsenterArgv(instance.mainPid, command, instance.launch.user, instance.launch.hostNetwork);
  const env = Object.fromEntries(instance.launch.env);
  if (options.tty) {
    env.TERM = env.TERM ?? 'xterm';
    // The helper runs inside the container (the host's /usr is there) so the terminal belongs to
    // the container's own /dev/pts, as with a real runtime.
    const p = registry.spawn(
      nsenterArgv(
        instance.mainPid,
        [PYTHON, '-c', PTY_HELPER, '3', options.stdin ? '1' : '0', ...command],
        instance.launch.user,
        instance.launch.hostNetwork,
      ),
      {
        stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'ignore', 'pipe'],
        env,
      },
    );
    const control = p.child.stdio[3] as Writable | null;
    control?.on('error', () => undefined);
    p.child.stdin?.on('error', () => undefined);
    return {
      stdin: options.stdin ? p.child.stdin : null,
      stdout: p.child.stdout,
      stderr: null,
      resize(columns: number, rows: number) {
        if (columns > 0 && rows > 0) control?.write(`${Math.floor(columns)} ${Math.floor(rows)}\n`);
      },
      exited: p.exited.then(({ code, signal }) => ({ exitCode: code ?? (signal === 'SIGKILL' ? 137 : 143) })),
      kill() {
        killTree(p, 'SIGTERM');
        setTimeout(() => killTree(p, 'SIGKILL'), 1000).unref();
      },
    };
  }
  const p = registry.spawn(inner, {
    stdio: [options.stdin ? 'pipe' : 'ignore', options.stdout ? 'pipe' : 'ignore', options.stderr ? 'pipe' : 'ignore'],
    env,
  });
  p.child.stdin?.on('error', () => undefined);
  return {
    stdin: p.child.stdin,
    stdout: p.child.stdout,
    stderr: p.child.stderr,
    resize() {
      // No terminal without tty.
    },
    exited: p.exited.then(({ code, signal }) => ({ exitCode: code ?? (signal === 'SIGKILL' ? 137 : 143) })),
    kill: () => killTree(p, 'SIGKILL'),
  };
}

/** Connects to a container's main process: its output from now on, and its stdin when it has one. */
export function attachToContainer(
  instance: ContainerInstance,
  options: ExecOptions,
  stdinOnce: boolean,
): ContainerProcess {
  const stdout = options.stdout ? new PassThrough() : null;
  const stderr = options.stderr && !options.tty ? new PassThrough() : null;
  const unsubscribe = instance.onOutput((stream, chunk) => {
    const target = stream === 'stderr' && !options.tty ? stderr : stdout;
    target?.write(chunk);
  });
  let stdin: PassThrough | null = null;
  const target = instance.stdin;
  if (options.stdin && target) {
    stdin = new PassThrough();
    stdin.on('data', (chunk: Buffer) => target.write(chunk));
    stdin.on('end', () => {
      if (stdinOnce) target.end();
    });
  }
  let detach!: () => void;
  const detached = new Promise<void>((resolve) => (detach = resolve));
  const end = (): void => {
    unsubscribe();
    stdout?.end();
    stderr?.end();
  };
  const exited = Promise.race([instance.exited.then((e) => e.exitCode), detached.then(() => 0)]).then((exitCode) => {
    end();
    return { exitCode };
  });
  return {
    stdin,
    stdout: stdout as Readable | null,
    stderr: stderr as Readable | null,
    resize: (columns: number, rows: number) => instance.resize(columns, rows),
    exited,
    kill: () => detach(),
  };
}
