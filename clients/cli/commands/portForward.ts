// `podloop port-forward KIND/NAME LOCAL:REMOTE...`: forwards until Ctrl-C; the engine reconnects to
// the workload's current pod by itself.
import type { Command } from 'commander';
import { PortForwardList, PortForwardStart, PortForwardStop } from '../../../protocol/portForward.js';
import type { PortForwardInfo } from '../../../protocol/portForward.js';
import { printJson } from '../output.js';
import { UsageError } from '../workloadRef.js';
import { run } from './action.js';
import { workloadOf } from './exec.js';

function port(text: string, what: string): number {
  const value = Number(text);
  if (text === '' || !Number.isInteger(value) || value < 0 || value > 65535)
    throw new UsageError(`${what} must be a port number, got '${text}'`);
  return value;
}

/** `8080` (same both sides), `9000:8080`, `:8080` (a free local port). */
export function parsePortSpec(spec: string): { localPort: number; remotePort: number } {
  const [first = '', second] = spec.split(':');
  const remotePort = port(second ?? first, 'the remote port');
  if (remotePort === 0) throw new UsageError(`the remote port must not be 0 in '${spec}'`);
  return {
    localPort: second === undefined ? remotePort : first === '' ? 0 : port(first, 'the local port'),
    remotePort,
  };
}

export function registerPortForwardCommand(program: Command): void {
  program
    .command('port-forward')
    .argument('<workload>')
    .argument('<ports...>')
    .description('forward local ports to KIND/NAME (PORT, LOCAL:REMOTE or :REMOTE) until Ctrl-C')
    .option('--address <address>', 'local address to listen on', '127.0.0.1')
    .action(
      run(async (globals, [ref = '', ...specs], engine) => {
        const forwards: PortForwardInfo[] = [];
        try {
          for (const spec of specs) {
            forwards.push(
              await engine.request(PortForwardStart.type, {
                ...workloadOf(ref, globals),
                ...parsePortSpec(spec),
                localAddress: String(globals.address),
              }),
            );
          }
          // The engine's own list: the forwards as they run now, with the pods they reached.
          const { forwards: running } = await engine.request(PortForwardList.type, {});
          const ours = running.filter((forward) => forwards.some((started) => started.id === forward.id));
          if (globals.json === true) printJson({ forwards: ours });
          else
            for (const forward of ours)
              process.stdout.write(
                `Forwarding from ${forward.localAddress}:${forward.localPort} -> ${forward.remotePort} (pod ${forward.pod ?? '?'})\n`,
              );
          await engine.interrupted;
        } finally {
          for (const forward of forwards)
            await engine.request(PortForwardStop.type, { id: forward.id }).catch(() => undefined);
        }
      }),
    );
}
