// The engine SIGKILLed at each dev/start stage: a fresh engine's dev end restores the workload exactly, with
// no --force (the dead engine's lease is recognised), including a bare Pod killed between delete and re-create.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { DevEnd, DevStart } from '../../protocol/dev.js';
import type { DevStartStage } from '../../protocol/dev.js';
import { devStartStages } from '../../server/dev/service.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { WorkloadKind } from '../../protocol/workloads.js';
import { waitFor } from '../helpers/sandbox.js';
import { createWorkload, progressMessages, snapshot, startDevCluster, type DevCluster } from './dev-helpers.js';

let cluster: DevCluster;

before(async () => {
  cluster = await startDevCluster();
});

after(async () => {
  await cluster.close();
});

// A bare Pod is deleted and created again during the rollout: the stages around that are the risky ones.
const cases: Array<[WorkloadKind, readonly DevStartStage[]]> = [
  ['Deployment', devStartStages],
  ['Pod', ['patching', 'rolling out', 'pulling image']],
];

for (const [kind, killedAt] of cases) {
  test(`dev end restores a ${kind} whose engine was killed at each dev start stage`, async () => {
    // One engine restores after every kill: it never took part in the dev start it cleans up after.
    const fresh = await cluster.engine();
    for (const stage of killedAt) {
      const namespace = cluster.namespace(`kill-${kind.toLowerCase()}`);
      await createWorkload(cluster.objects, kind, namespace, 'shop');
      const original = await snapshot(cluster.objects, kind, namespace, 'shop');

      const doomed = await cluster.engine();
      const seen = progressMessages(doomed.connection, 'start');
      void doomed.connection
        .sendRequest(DevStart.type, {
          kind,
          name: 'shop',
          namespace,
          image: 'podloop/node-dev',
          workDoneToken: 'start',
        })
        .catch(() => undefined);
      await waitFor(`stage ${stage}`, () => seen.some((message) => message.startsWith(stage)));
      doomed.child.kill('SIGKILL');
      await doomed.exited;

      try {
        const ended = await fresh.connection.sendRequest(DevEnd.type, { kind, name: 'shop', namespace });
        assert.equal(ended.restored, true);
      } catch (error) {
        // Killed before its patch landed: there is nothing to restore.
        assert.ok(
          error instanceof ResponseError && error.code === ErrorCodes.NotInDevMode,
          `${stage}: ${String(error)}`,
        );
      }
      const restored = await waitFor(`${kind} back after a kill at ${stage}`, () =>
        snapshot(cluster.objects, kind, namespace, 'shop').catch(() => undefined),
      );
      assert.deepEqual(restored, original, `killed at ${stage}`);
    }
  });
}
