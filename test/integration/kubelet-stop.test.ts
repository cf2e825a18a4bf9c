// Stopping the sandbox kubelet leaves no process behind: containers, exec sessions, port-forward
// relays and pod sandboxes all go, and a restarted kubelet runs the stored pods again.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startKubelet } from '../../sandbox/kubelet/kubelet.js';
import { NODE_NAME } from '../../sandbox/store/cluster.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { ObjectStore } from '../../sandbox/store/store.js';

const PODS = resourceByPlural('pods');

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Pids descending from this test process, and pids whose environment carries the marker. */
function leftovers(marker: string): number[] {
  const parents = new Map<number, number>();
  const marked: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      parents.set(pid, Number(fields[1]));
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker)) marked.push(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  const descendants = [...parents.keys()].filter((pid) => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === process.pid) return true;
    return false;
  });
  return [...new Set([...descendants, ...marked])];
}

void test('stop() kills every container, exec session and port-forward relay, and a new kubelet restarts stored pods', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'podloop-kubelet-stop-'));
  const marker = `PODLOOP_TEST_MARKER_${process.pid}_${Date.now()}`;
  const store = new ObjectStore();
  store.create(resourceByPlural('namespaces'), { metadata: { name: 'stop' } });
  let kubelet = startKubelet({ store, stateDir, backoffBaseMs: 200, probeSecondMs: 200 });
  try {
    store.create(PODS, {
      metadata: { name: 'web', namespace: 'stop' },
      spec: {
        nodeName: NODE_NAME,
        containers: [
          { name: 'app', image: 'podloop/web-app', env: [{ name: 'MARKER', value: marker }] },
          {
            name: 'side',
            image: 'podloop/busybox',
            command: ['sh', '-c', 'sleep 1000 & sleep 1000'],
            env: [{ name: 'MARKER', value: marker }],
          },
        ],
      },
    });
    const running = (): boolean => {
      const statuses = (
        (store.tryGet(PODS, 'stop', 'web')?.status ?? {}) as { containerStatuses?: { state: { running?: unknown } }[] }
      ).containerStatuses;
      return statuses?.length === 2 && statuses.every((s) => s.state.running !== undefined);
    };
    await waitFor('both containers running', running);
    const exec = await kubelet.exec('stop', 'web', 'side', ['sleep', '1000'], {
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    const tty = await kubelet.exec('stop', 'web', 'side', ['sh'], {
      stdin: true,
      stdout: true,
      stderr: false,
      tty: true,
    });
    let forward = await kubelet.portForward('stop', 'web', 8080).catch(() => undefined);
    for (let i = 0; !forward && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      forward = await kubelet.portForward('stop', 'web', 8080).catch(() => undefined);
    }
    assert.ok(forward, 'port-forward connects once the server listens');
    assert.ok(leftovers(marker).length >= 4, 'the processes are visible before stop');

    await kubelet.stop();
    assert.deepEqual(leftovers(marker), []);
    assert.equal((await exec.exited).exitCode, 137);
    void tty.exited;
    forward.destroy();

    // The pod object stayed; a new kubelet on the same store and state runs it again.
    kubelet = startKubelet({ store, stateDir, backoffBaseMs: 200, probeSecondMs: 200 });
    const previous = store.get(PODS, 'stop', 'web').metadata.resourceVersion;
    await waitFor(
      'containers running again',
      () => store.get(PODS, 'stop', 'web').metadata.resourceVersion !== previous && running(),
    );
    const app = (
      (store.get(PODS, 'stop', 'web').status ?? {}) as {
        containerStatuses?: { restartCount: number; lastState: { terminated?: { reason: string } } }[];
      }
    ).containerStatuses![0]!;
    assert.deepEqual([app.restartCount, app.lastState.terminated?.reason], [1, 'Unknown']);
    let previousLog = '';
    for await (const chunk of await kubelet.logs('stop', 'web', { container: 'app', previous: true }))
      previousLog += String(chunk);
    assert.match(previousLog, /web-app listening on :8080/);
  } finally {
    await kubelet.stop();
    assert.deepEqual(leftovers(marker), []);
    rmSync(stateDir, { recursive: true, force: true });
  }
});
