// The engine's sync service against a local receiver: status in the protocol's terms, throttled
// engine/state pushes that carry it, hot reload after live batches only, and NotInDevMode.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import type { DevSessionInfo } from '../../protocol/dev.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { EngineStateParams } from '../../protocol/state.js';
import type { EngineClient } from '../../server/engineClient.js';
import { createLogger } from '../../server/logger.js';
import { createStateHub } from '../../server/state.js';
import { createSyncService } from '../../server/sync/service.js';
import { localProcessTransport } from '../../server/sync/transport.js';
import { tempDir, waitFor } from './sync-helpers.js';

const workload = { kind: 'Deployment' as const, name: 'web', namespace: 'shop' };

void test('the sync service reports batches in engine/state, restarts runs after live batches, and verifies clean', async () => {
  using local = tempDir('podloop-service-local-');
  using remote = tempDir('podloop-service-remote-');
  mkdirSync(join(local.path, 'src'));
  writeFileSync(join(local.path, 'src', 'a.js'), 'a');
  const pushed: EngineStateParams[] = [];
  const client: EngineClient = {
    progress: () => undefined,
    state: (params) => pushed.push(params),
    log: () => undefined,
    logLines: () => undefined,
  };
  const state = createStateHub(client, { enabled: () => true, context: () => undefined });
  const info: DevSessionInfo = {
    workload,
    container: 'app',
    phase: 'running',
    holder: 'me',
    ownedByThisEngine: true,
    remoteDir: remote.path,
  };
  state.setDevSession(info, 'dev session running');
  const reloads: string[] = [];
  const progress: string[] = [];
  const syncs = createSyncService({
    state,
    log: createLogger({ level: 'silent' }),
    onBatch: (ref) => reloads.push(ref.name),
    stateIntervalMs: 100,
  });
  try {
    await syncs.start(
      undefined,
      { workload, container: 'app', localDir: local.path, remoteDir: remote.path, transport: localProcessTransport() },
      { report: (_percentage, message) => progress.push(message) },
    );
    assert.ok(progress.length > 0, 'the initial sync reports progress');
    assert.equal(reloads.length, 0, 'the initial sync restarts nothing');
    const afterStart = syncs.status(workload);
    assert.equal(afterStart.state, 'idle');
    assert.equal(afterStart.mode, 'receiver');
    assert.equal(afterStart.totals.files, 2, 'src and src/a.js');

    const pushesBefore = pushed.length;
    for (let i = 0; i < 5; i++) writeFileSync(join(local.path, `burst${i}.txt`), String(i));
    await waitFor(
      () => syncs.status(workload).totals.files >= 7 && syncs.status(workload).pendingFiles === 0,
      'the burst to land',
    );
    await waitFor(
      () => pushed.slice(pushesBefore).some((params) => (params.devSessions[0]?.sync?.totals.files ?? 0) >= 7),
      'engine/state with the burst',
    );
    assert.ok(pushed.length - pushesBefore <= 6, `pushes are throttled: ${pushed.length - pushesBefore}`);
    assert.ok(reloads.length >= 1, 'a live batch asks for a hot reload');

    const verified = await syncs.verify(workload);
    assert.deepEqual(verified, { inSync: true, differences: [], files: 6 });
    assert.deepEqual(syncs.workloads(), [workload]);
  } finally {
    await syncs.dispose();
  }
  assert.throws(
    () => syncs.status(workload),
    (error: unknown) => error instanceof ResponseError && error.code === ErrorCodes.NotInDevMode,
  );
});
