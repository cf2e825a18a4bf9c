// The dev-loop commands: dev, sync, logs, port-forward, debug, run, exec. Each maps onto its
// protocol method; the engine holds all the logic.
import type { Command } from 'commander';
import { DebugStart } from '../../../protocol/debug.js';
import { DevEnd, DevReset, DevStart, DevStatus } from '../../../protocol/dev.js';
import type { DevSessionInfo, WorkloadParams } from '../../../protocol/dev.js';
import { ExecRun } from '../../../protocol/exec.js';
import { LogLines, LogsFollow, LogsStop } from '../../../protocol/logs.js';
import { PortForwardStart } from '../../../protocol/portForward.js';
import { RunStart, RunStop } from '../../../protocol/run.js';
import { SyncPause, SyncResume, SyncStatusRequest, SyncVerify } from '../../../protocol/sync.js';
import type { SyncStatus } from '../../../protocol/sync.js';
import type { GlobalOptions } from '../engineSession.js';
import { printJson, printTable } from '../output.js';
import { parseWorkloadRef, UsageError } from '../workloadRef.js';
import { run } from './action.js';

function workload(ref: string, globals: GlobalOptions): WorkloadParams {
  return { ...parseWorkloadRef(ref), ...(globals.namespace !== undefined ? { namespace: globals.namespace } : {}) };
}

function port(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new UsageError(`${what} must be a port number, got '${text}'`);
  return value;
}

function printSessions(sessions: DevSessionInfo[]): void {
  if (sessions.length === 0) {
    process.stdout.write('No workloads in dev mode.\n');
    return;
  }
  printTable(
    ['NAMESPACE', 'WORKLOAD', 'CONTAINER', 'POD', 'PHASE', 'SYNC', 'HOLDER'],
    sessions.map((session) => [
      session.workload.namespace,
      `${session.workload.kind}/${session.workload.name}`,
      session.container,
      session.pod ?? '',
      session.phase,
      session.sync?.state ?? '',
      session.ownedByThisEngine ? 'this engine' : session.holder,
    ]),
  );
}

function describeSync(status: SyncStatus): string {
  const last = status.lastBatch
    ? `, last batch ${status.lastBatch.files} files in ${status.lastBatch.latencyMs} ms`
    : '';
  return `sync ${status.state}: ${status.pendingFiles} files pending${last}${status.lastError ? `; error: ${status.lastError}` : ''}\n`;
}

export function registerDevCommands(program: Command): void {
  const dev = program.command('dev').description('turn a workload into a dev container and back');
  dev
    .command('start <workload>')
    .description('put KIND/NAME into dev mode, sync files and forward ports')
    .option('-c, --container <name>', 'container to develop in (default: the first)')
    .option('--local <dir>', 'local folder to sync (default: the current folder)')
    .option('--image <image>', 'dev image')
    .option('--force', "take over another engine's dev session")
    .action(
      run(async (globals, [ref = ''], engine) => {
        const result = await engine.request(
          DevStart.type,
          {
            ...workload(ref, globals),
            localDir: typeof globals.local === 'string' ? globals.local : process.cwd(),
            ...(typeof globals.container === 'string' ? { container: globals.container } : {}),
            ...(typeof globals.image === 'string' ? { image: globals.image } : {}),
            ...(globals.force === true ? { force: true } : {}),
          },
          { progress: true },
        );
        if (globals.json === true) return printJson(result);
        printSessions([result.session]);
        for (const warning of result.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
        const total = Object.values(result.timings).reduce((sum, ms) => sum + ms, 0);
        process.stdout.write(`Dev mode ready in ${(total / 1000).toFixed(1)} s.\n`);
      }),
    );
  dev
    .command('end <workload>')
    .description('restore KIND/NAME exactly as it was')
    .option('--force', "end another engine's dev session")
    .action(
      run(async (globals, [ref = ''], engine) => {
        const result = await engine.request(
          DevEnd.type,
          { ...workload(ref, globals), ...(globals.force === true ? { force: true } : {}) },
          { progress: true },
        );
        if (globals.json === true) return printJson(result);
        process.stdout.write(result.restored ? `${ref} restored.\n` : `${ref} was not in dev mode.\n`);
      }),
    );
  dev
    .command('status')
    .description('list workloads in dev mode')
    .action(
      run(async (globals, _args, engine) => {
        const result = await engine.request(
          DevStatus.type,
          globals.namespace !== undefined ? { namespace: globals.namespace } : {},
        );
        if (globals.json === true) return printJson(result);
        printSessions(result.sessions);
      }),
    );
  dev
    .command('reset <workload>')
    .description('restore a workload a dead engine left in dev mode')
    .action(
      run(async (globals, [ref = ''], engine) => {
        const result = await engine.request(DevReset.type, workload(ref, globals));
        if (globals.json === true) return printJson(result);
        process.stdout.write(result.changed ? `${ref} reset.\n` : `${ref} needed no reset.\n`);
      }),
    );

  const sync = program.command('sync').description('inspect and control file sync');
  sync
    .command('status <workload>')
    .description('sync state of a workload in dev mode')
    .action(
      run(async (globals, [ref = ''], engine) => {
        const result = await engine.request(SyncStatusRequest.type, workload(ref, globals));
        if (globals.json === true) return printJson(result);
        process.stdout.write(describeSync(result.status));
      }),
    );
  sync
    .command('verify <workload>')
    .description('checksum both sides and list every difference')
    .action(
      run(async (globals, [ref = ''], engine) => {
        const result = await engine.request(SyncVerify.type, workload(ref, globals), { progress: true });
        if (globals.json === true) return printJson(result);
        if (result.inSync) process.stdout.write(`In sync: ${result.files} files identical.\n`);
        else
          printTable(
            ['PATH', 'DIFFERENCE'],
            result.differences.map((difference) => [difference.path, difference.reason]),
          );
        if (!result.inSync) process.exitCode = 1;
      }),
    );
  for (const [name, type, description] of [
    ['pause', SyncPause.type, 'pause applying local changes'],
    ['resume', SyncResume.type, 'resume syncing'],
  ] as const) {
    sync
      .command(`${name} <workload>`)
      .description(description)
      .action(
        run(async (globals, [ref = ''], engine) => {
          const result = await engine.request(type, workload(ref, globals));
          if (globals.json === true) return printJson(result);
          process.stdout.write(describeSync(result.status));
        }),
      );
  }

  program
    .command('logs <workload>')
    .description('stream the logs of every pod of KIND/NAME')
    .option('-c, --container <name>', 'only this container')
    .option('--tail <lines>', 'lines of history', '100')
    .option('--no-follow', 'print the history and stop')
    .action(
      run(async (globals, [ref = ''], engine) => {
        let ended: () => void = () => undefined;
        const done = new Promise<void>((resolve) => {
          ended = resolve;
        });
        engine.onNotification(LogLines.type, (batch) => {
          for (const line of batch.lines) {
            process.stdout.write(
              globals.json === true ? JSON.stringify(line) + '\n' : `[${line.pod}/${line.container}] ${line.text}\n`,
            );
          }
          if (batch.end === true) ended();
        });
        const tail = Number(globals.tail);
        if (!Number.isInteger(tail) || tail < 0)
          throw new UsageError(`--tail must be a number of lines, got '${String(globals.tail)}'`);
        const { streamId } = await engine.request(LogsFollow.type, {
          ...workload(ref, globals),
          tailLines: tail,
          follow: globals.follow !== false,
          ...(typeof globals.container === 'string' ? { container: globals.container } : {}),
        });
        await Promise.race([done, engine.interrupted]);
        await engine.request(LogsStop.type, { streamId }).catch(() => undefined);
      }),
    );

  program
    .command('port-forward <workload> <ports...>')
    .description('forward local ports to KIND/NAME (PORT or LOCAL:REMOTE) until Ctrl-C')
    .action(
      run(async (globals, [ref = '', ...ports], engine) => {
        const forwards = [];
        for (const spec of ports) {
          const [first = '', second] = spec.split(':');
          const remotePort = port(second ?? first, 'the remote port');
          const localPort = port(first, 'the local port');
          forwards.push(
            await engine.request(PortForwardStart.type, { ...workload(ref, globals), remotePort, localPort }),
          );
        }
        if (globals.json === true) printJson({ forwards });
        else
          for (const forward of forwards)
            process.stdout.write(`Forwarding ${forward.localAddress}:${forward.localPort} -> ${forward.remotePort}\n`);
        await engine.interrupted;
      }),
    );

  program
    .command('debug <workload>')
    .description('start the debugger in the dev container and print IDE attach settings')
    .option('--language <language>', 'node, python, go or java')
    .option('--port <n>', 'local port')
    .action(
      run(async (globals, [ref = ''], engine) => {
        const language = globals.language;
        if (language !== undefined && !['node', 'python', 'go', 'java'].includes(String(language))) {
          throw new UsageError(`--language must be node, python, go or java, got '${String(language)}'`);
        }
        const result = await engine.request(
          DebugStart.type,
          {
            ...workload(ref, globals),
            ...(language !== undefined ? { language: language as 'node' | 'python' | 'go' | 'java' } : {}),
            ...(typeof globals.port === 'string' ? { localPort: port(globals.port, '--port') } : {}),
          },
          { progress: true },
        );
        if (globals.json === true) return printJson(result);
        process.stdout.write(
          `Debugger listening on ${result.jetbrains.host}:${result.jetbrains.port}\n${JSON.stringify(result.vscodeLaunchConfig, null, 2)}\n`,
        );
      }),
    );

  program
    .command('run <workload> [command...]')
    .description('run the configured command (or COMMAND) in the dev container until Ctrl-C')
    .action(
      run(async (globals, [ref = '', ...command], engine) => {
        engine.onNotification(LogLines.type, (batch) => {
          for (const line of batch.lines) process.stdout.write(`${line.text}\n`);
        });
        const { runId } = await engine.request(RunStart.type, {
          ...workload(ref, globals),
          ...(command.length > 0 ? { command } : {}),
        });
        if (globals.json === true) printJson({ runId });
        await engine.interrupted;
        await engine.request(RunStop.type, { runId }).catch(() => undefined);
      }),
    );

  program
    .command('exec <workload> <command...>')
    .description('run COMMAND to completion in a container of KIND/NAME (use -- before it)')
    .option('-c, --container <name>', 'container')
    .action(
      run(async (globals, [ref = '', ...command], engine) => {
        const result = await engine.request(ExecRun.type, {
          ...workload(ref, globals),
          command,
          ...(typeof globals.container === 'string' ? { container: globals.container } : {}),
        });
        if (globals.json === true) printJson(result);
        else {
          process.stdout.write(result.stdout);
          process.stderr.write(result.stderr);
        }
        process.exitCode = result.exitCode;
      }),
    );
}
