// The sandbox daemon: `node main.js --state-dir DIR [--port N]` runs one sandbox until SIGTERM or
// SIGINT, and records where it listens in DIR/sandbox.json and DIR/sandbox.pid.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { STATE_DIR_ENV } from './control.js';
import { startSandbox, type RunningSandbox } from './index.js';

function storedPort(stateDir: string): number | undefined {
  try {
    const info = JSON.parse(readFileSync(join(stateDir, 'sandbox.json'), 'utf8')) as { port?: unknown };
    return typeof info.port === 'number' && info.port > 0 ? info.port : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of another live sandbox process recorded for this state dir, if any. */
function runningPid(stateDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(stateDir, 'sandbox.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    // A recycled pid belongs to some other program: only a process started for this dir counts.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(stateDir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'state-dir': { type: 'string' }, port: { type: 'string' } } });
  const stateDirArg = values['state-dir'];
  if (!stateDirArg) {
    process.stderr.write('usage: main.js --state-dir DIR [--port N]\n');
    process.exit(2);
  }
  const stateDir = resolve(stateDirArg);
  process.env[STATE_DIR_ENV] = stateDir;
  const log = pino({ name: 'sandbox' }, pino.destination(2));
  const running = runningPid(stateDir);
  if (running !== undefined) {
    log.error({ pid: running, stateDir }, 'a sandbox already runs for this state dir');
    process.exit(1);
  }
  const wantedPort = values.port ? Number(values.port) : storedPort(stateDir);
  const onError = (error: unknown, request: { method: string; url: string }): void =>
    log.error({ err: error, method: request.method, url: request.url }, 'request failed');
  const controllers = {
    onError: (controller: string, key: string, error: unknown): void =>
      log.warn({ err: error, controller, key }, 'reconcile failed'),
  };
  let sandbox: RunningSandbox;
  try {
    sandbox = await startSandbox({ stateDir, ...(wantedPort ? { port: wantedPort } : {}), onError, controllers });
  } catch (error) {
    // The port kept from the last run may be taken now; a new one beats not starting.
    if ((error as { code?: string }).code !== 'EADDRINUSE' || values.port) throw error;
    log.warn({ port: wantedPort }, 'stored port is taken, picking a free one');
    sandbox = await startSandbox({ stateDir, onError, controllers });
  }
  const pidFile = join(stateDir, 'sandbox.pid');
  writeFileSync(pidFile, `${process.pid}\n`);
  writeFileSync(
    join(stateDir, 'sandbox.json'),
    JSON.stringify(
      { port: sandbox.port, pid: process.pid, server: sandbox.server, kubeconfigPath: sandbox.kubeconfigPath },
      null,
      2,
    ),
  );
  log.info({ server: sandbox.server, stateDir, workloads: sandbox.workloads }, 'sandbox ready');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping sandbox');
    sandbox
      .stop()
      .catch((error: unknown) => log.error({ err: error }, 'stop failed'))
      .finally(() => {
        if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(process.pid))
          rmSync(pidFile, { force: true });
        process.exit(0);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sandbox failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
