// `podloop dev start|end|status|reset` and `podloop sync status|verify|pause|resume`: each maps onto
// its protocol method; the engine holds all the logic.
import type { Command } from 'commander';
import { DevEnd, DevReset, DevStart, DevStatus } from '../../../protocol/dev.js';
import type { DevSessionInfo, WorkloadParams } from '../../../protocol/dev.js';
import { SyncPause, SyncResume, SyncStatusRequest, SyncVerify } from '../../../protocol/sync.js';
import type { SyncStatus } from '../../../protocol/sync.js';
import type { CliEngine, GlobalOptions } from '../engineSession.js';
import { EngineState } from '../../../protocol/state.js';
import { printJson, printTable } from '../output.js';
import { parseWorkloadRef } from '../workloadRef.js';
import { run } from './action.js';

function workload(ref: string, globals: GlobalOptions): WorkloadParams {
  return { ...parseWorkloadRef(ref), ...(globals.namespace !== undefined ? { namespace: globals.namespace } : {}) };
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

/** Prints one line per sync batch of `target` that `engine/state` reports, once `live` is set. */
function watchSyncBatches(engine: CliEngine, target: WorkloadParams, print: boolean): { live: boolean } {
  const watcher = { live: false };
  let lastBatchAt: string | undefined;
  engine.onNotification(EngineState.type, (state) => {
    const session = state.devSessions.find(
      (candidate) =>
        candidate.workload.kind.toLowerCase() === target.kind.toLowerCase() &&
        candidate.workload.name === target.name &&
        (target.namespace === undefined || candidate.workload.namespace === target.namespace),
    );
    const batch = session?.sync?.lastBatch;
    if (!batch || batch.at === lastBatchAt) return;
    lastBatchAt = batch.at;
    if (watcher.live && print) {
      process.stdout.write(`synced ${batch.files} files (${batch.bytes} bytes) in ${batch.latencyMs} ms\n`);
    }
  });
  return watcher;
}

export function describeSync(status: SyncStatus): string {
  const last = status.lastBatch
    ? `, last batch ${status.lastBatch.files} files in ${status.lastBatch.latencyMs} ms`
    : '';
  const conflicts = status.lastConflicts?.length ? ` (last: ${status.lastConflicts.join(', ')})` : '';
  const twoWay =
    status.pulledFiles !== undefined
      ? `; two-way: ${status.pulledFiles} files pulled, ${status.conflicts ?? 0} conflicts${conflicts}`
      : '';
  return `sync ${status.state}: ${status.pendingFiles} files pending${last}${twoWay}${status.lastError ? `; error: ${status.lastError}` : ''}\n`;
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
    .option('--detach', 'return once dev mode is ready instead of staying to sync until Ctrl-C')
    .action(
      run(async (globals, [ref = ''], engine) => {
        const target = workload(ref, globals);
        const batches = watchSyncBatches(engine, target, globals.json !== true);
        const result = await engine.request(
          DevStart.type,
          {
            ...target,
            localDir: typeof globals.local === 'string' ? globals.local : process.cwd(),
            ...(typeof globals.container === 'string' ? { container: globals.container } : {}),
            ...(typeof globals.image === 'string' ? { image: globals.image } : {}),
            ...(globals.force === true ? { force: true } : {}),
          },
          { progress: true },
        );
        if (globals.json === true) printJson(result);
        else {
          printSessions([result.session]);
          for (const warning of result.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
          const total = Object.values(result.timings).reduce((sum, ms) => sum + ms, 0);
          process.stdout.write(`Dev mode ready in ${(total / 1000).toFixed(1)} s.\n`);
        }
        if (globals.detach === true) return;
        // File sync and the forwards live in this engine: stay until Ctrl-C. The workload stays in
        // dev mode afterwards; `podloop dev end` restores it.
        if (globals.json !== true) {
          process.stdout.write(
            `Syncing ${result.session.localDir ?? 'the local folder'}; press Ctrl-C to stop (then 'podloop dev end ${ref}' restores the workload).\n`,
          );
        }
        batches.live = true;
        await engine.interrupted;
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
}
