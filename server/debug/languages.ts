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
  if (/^python(\d(\.\d+)?)?$/.test(program)) return 'python';
  if (program === 'dlv' || program === 'go') return 'go';
  return undefined;
}

/** argv that starts `command` under the language's debugger, listening on `port` on every address. */
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
    case 'python':
      return /^python/.test(name)
        ? [program, '-m', 'debugpy', '--listen', `0.0.0.0:${port}`, ...rest]
        : ['python3', '-m', 'debugpy', '--listen', `0.0.0.0:${port}`, ...command];
    case 'go':
      return name === 'dlv'
        ? [...command]
        : [
            'dlv',
            'exec',
            '--headless',
            `--listen=:${port}`,
            '--api-version=2',
            '--accept-multiclient',
            program,
            '--',
            ...rest,
          ];
  }
}

/** A shell probe (argv) that succeeds when the container has the language's debugger. */
export function debuggerProbe(language: DebugLanguage): string[] | undefined {
  if (language === 'python') return ['python3', '-c', 'import debugpy'];
  if (language === 'go') return ['sh', '-c', 'command -v dlv'];
  return undefined;
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
        host: '127.0.0.1',
        port,
        substitutePath: [{ from: localRoot, to: remoteRoot }],
      };
  }
}
