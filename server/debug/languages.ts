// Per-language debugger defaults, pure: the command that starts a program under its debugger, the
// default debug port, what the image must have, and the IDE attach settings.
import { basename } from 'node:path';

export type DebugLanguage = 'node' | 'python' | 'go' | 'java';

export const defaultDebugPorts: Readonly<Record<DebugLanguage, number>> = {
  node: 9229,
  python: 5678,
  go: 2345,
  java: 5005,
};

/** The language a program's argv implies, if any. */
export function detectLanguage(command: readonly string[]): DebugLanguage | undefined {
  const program = basename(command[0] ?? '');
  if (program === 'node' || program === 'nodemon' || program === 'npm' || program === 'npx' || program === 'yarn')
    return 'node';
  if (program === 'java' || program === 'mvn' || program === 'gradle' || program.endsWith('.jar')) return 'java';
  if (isPython(program)) return 'python';
  if (program === 'dlv' || program === 'go') return 'go';
  return undefined;
}

/** Why `command` cannot run under the language's debugger, or undefined when it can. */
export function debugCommandProblem(language: DebugLanguage, command: readonly string[]): string | undefined {
  if (language === 'go' && basename(command[0] ?? '') === 'go' && command[1] !== 'run')
    return `dlv debugs 'go run PACKAGE' or a built binary, not 'go ${command.slice(1).join(' ')}'`;
  return undefined;
}

/**
 * argv that starts `command` under the language's debugger, listening on `port` on every address.
 * The program runs at once (no wait for the IDE), as with Node's --inspect and JDWP's suspend=n, so
 * a server answers before anyone attaches; breakpoints apply from the moment the IDE attaches.
 */
export function debugCommand(language: DebugLanguage, command: readonly string[], port: number): string[] {
  const [program = '', ...rest] = command;
  const name = basename(program);
  switch (language) {
    case 'node': {
      const flag = `--inspect=0.0.0.0:${port}`;
      return name === 'node' ? [program, flag, ...rest] : ['env', `NODE_OPTIONS=${flag}`, ...command];
    }
    case 'java': {
      const agent = `-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:${port}`;
      return name === 'java' ? [program, agent, ...rest] : ['env', `JAVA_TOOL_OPTIONS=${agent}`, ...command];
    }
    case 'python': {
      const listen = ['-m', 'debugpy', '--listen', `0.0.0.0:${port}`];
      // A console script (flask, gunicorn, uvicorn) is a Python file on PATH: debugpy runs it by its path.
      if (!isPython(name))
        return ['sh', '-c', `exec python3 ${listen.join(' ')} "$(command -v "$0" || echo "$0")" "$@"`, ...command];
      const { options, target } = splitPythonOptions(rest);
      // Already under debugpy (the user's own flags): leave it alone.
      if (target[0] === '-m' && target[1] === 'debugpy') return [...command];
      return [program, ...options, ...listen, ...target];
    }
    case 'go': {
      if (name === 'dlv') return [...command];
      const server = ['--headless', `--listen=:${port}`, '--api-version=2', '--accept-multiclient', '--continue'];
      if (name !== 'go') return ['dlv', 'exec', ...server, program, '--', ...rest];
      // `go run [build flags] PACKAGE|FILES [args]` → `dlv debug`, which builds without optimisations.
      // The binary goes to /tmp, not into the synced folder.
      const { buildFlags, packages, args } = splitGoRun(rest.slice(1));
      return [
        'dlv',
        'debug',
        ...server,
        `--output=/tmp/podloop-debug-${port}`,
        ...(buildFlags.length > 0 ? [`--build-flags=${buildFlags.map(quoteBuildFlag).join(' ')}`] : []),
        ...packages,
        '--',
        ...args,
      ];
    }
  }
}

function isPython(name: string): boolean {
  return /^python(\d(\.\d+)?)?$/.test(name);
}

/**
 * The script a Python command runs, when it runs one (not `-m`, `-c` or stdin). debugpy listens
 * before it opens the script, so a missing script would look ready for a moment: check it first.
 */
export function pythonScript(command: readonly string[]): string | undefined {
  const [program = '', ...rest] = command;
  if (!isPython(basename(program))) return undefined;
  const script = splitPythonOptions(rest).target[0];
  return script === undefined || script.startsWith('-') ? undefined : script;
}

/** Interpreter options (`-u`, `-X dev`) stay before `-m debugpy`; the script or `-m module` follows it. */
function splitPythonOptions(args: readonly string[]): { options: string[]; target: string[] } {
  let i = 0;
  while (i < args.length) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '-m' || arg === '-c' || arg.startsWith('--')) break;
    i += arg === '-W' || arg === '-X' ? 2 : 1;
  }
  return { options: args.slice(0, i), target: args.slice(i) };
}

// Build flags of `go run` that take their value as the next argument.
const goValueFlags = new Set([
  '-asmflags',
  '-buildmode',
  '-C',
  '-compiler',
  '-exec',
  '-gccgoflags',
  '-gcflags',
  '-installsuffix',
  '-ldflags',
  '-mod',
  '-modfile',
  '-overlay',
  '-p',
  '-pgo',
  '-pkgdir',
  '-tags',
]);

function splitGoRun(args: readonly string[]): { buildFlags: string[]; packages: string[]; args: string[] } {
  const buildFlags: string[] = [];
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-')) {
    const flag = args[i]!;
    const takesValue = goValueFlags.has(flag.replace(/^--/, '-')) && !flag.includes('=');
    buildFlags.push(takesValue ? `${flag}=${args[i + 1] ?? ''}` : flag);
    i += takesValue ? 2 : 1;
  }
  // Several .go files form one package; otherwise the first argument is the package.
  let end = i;
  while (end < args.length && args[end]!.endsWith('.go')) end++;
  if (end === i && i < args.length) end = i + 1;
  return { buildFlags, packages: args.slice(i, end), args: args.slice(end) };
}

/** dlv splits --build-flags on spaces and honours single quotes. */
function quoteBuildFlag(flag: string): string {
  return /\s/.test(flag) ? `'${flag}'` : flag;
}

/** The debugger compiles the program before it listens (`go run`, `dlv debug`, `dlv test`), which can take minutes. */
export function buildsBeforeListening(language: DebugLanguage, command: readonly string[]): boolean {
  const name = basename(command[0] ?? '');
  return language === 'go' && (name === 'go' || (name === 'dlv' && (command[1] === 'debug' || command[1] === 'test')));
}

/** Something the debug command needs in the container, and how to check for it. */
export interface DebuggerRequirement {
  /** What is missing when the probe fails, in the user's words: `debugpy`, `dlv`, `go`. */
  name: string;
  /** argv that exits 0 when the container has it. */
  probe: string[];
  /** How to add it to an image. */
  install: string;
}

function onPath(binary: string): string[] {
  return ['sh', '-c', 'command -v "$0" >/dev/null', binary];
}

/**
 * What must be in the container before `command` can run under the language's debugger, in the
 * order to check: the first one missing is the one to report. Node and Java carry theirs.
 */
export function debuggerRequirements(language: DebugLanguage, command: readonly string[]): DebuggerRequirement[] {
  const name = basename(command[0] ?? '');
  if (language === 'python') {
    const interpreter = isPython(name) ? command[0]! : 'python3';
    return [
      { name: interpreter, probe: onPath(interpreter), install: 'use an image with Python 3' },
      {
        name: 'debugpy',
        probe: [interpreter, '-c', 'import debugpy'],
        install: `run '${interpreter} -m pip install debugpy' in the image (Debian: apt-get install python3-debugpy)`,
      },
    ];
  }
  if (language === 'go') {
    const dlv: DebuggerRequirement = {
      name: 'dlv',
      probe: onPath('dlv'),
      install: "run 'go install github.com/go-delve/delve/cmd/dlv@latest' in the image (Debian: apt-get install delve)",
    };
    return buildsBeforeListening(language, command)
      ? [dlv, { name: 'go', probe: onPath('go'), install: 'use an image with the Go toolchain (golang)' }]
      : [dlv];
  }
  return [];
}

/** A probe (argv) that succeeds once something listens on `port` in the container's network namespace. */
export function listeningProbe(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return ['sh', '-c', `cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -qE ":${hex} [0-9A-F]+:[0-9A-F]+ 0A "`];
}

/** The `.vscode/launch.json` entry that attaches to the forwarded debug port. */
export function vscodeLaunchConfig(
  language: DebugLanguage,
  workloadName: string,
  port: number,
  remoteRoot: string,
): Record<string, unknown> {
  const name = `podloop: attach to ${workloadName}`;
  const localRoot = '${workspaceFolder}';
  switch (language) {
    case 'node':
      return {
        type: 'node',
        request: 'attach',
        name,
        address: '127.0.0.1',
        port,
        localRoot,
        remoteRoot,
        restart: true,
        skipFiles: ['<node_internals>/**'],
      };
    case 'python':
      return {
        type: 'debugpy',
        request: 'attach',
        name,
        connect: { host: '127.0.0.1', port },
        pathMappings: [{ localRoot, remoteRoot }],
      };
    case 'java':
      return { type: 'java', request: 'attach', name, hostName: '127.0.0.1', port };
    case 'go':
      return {
        type: 'go',
        request: 'attach',
        name,
        mode: 'remote',
        // dlv's headless server speaks DAP as well as its JSON-RPC API; DAP is what the Go extension uses.
        debugAdapter: 'dlv-dap',
        host: '127.0.0.1',
        port,
        substitutePath: [{ from: localRoot, to: remoteRoot }],
      };
  }
}
