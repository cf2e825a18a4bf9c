// File sync benchmarks against the sandbox through the real engine: one small edit saved → landed
// (vs kubectl cp), initial sync of a generated tree (vs tar piped into kubectl exec), re-sync of the
// unchanged tree (bytes sent) and the engine's RSS while it watches a large tree.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevStart, SyncStatusRequest } from '../protocol/index.js';
import { openKube } from '../server/kube/index.js';
import { kubeObjects } from '../server/kube/objects.js';
import { resourceByPlural } from '../sandbox/store/resources.js';
import { startInitializedEngine, type EngineProcess } from '../test/helpers/engine.js';
import { startTestSandbox, tempDir, type TestSandbox } from '../test/helpers/sandbox.js';
import { summarize } from './report.js';
import type { BenchContext, BenchSection } from './report.js';

/** Writes `files` files of `bytes` bytes each, 100 to a folder; returns the total size. */
export function generateTree(root: string, files: number, bytes: number): number {
  const content = Buffer.alloc(bytes, 'x');
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    content.writeUInt32LE(i, 0);
    writeFileSync(join(dir, `f${i}.txt`), content);
  }
  return files * bytes;
}

export function deployment(name: string): Record<string, unknown> {
  const labels = { app: name };
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            { name: 'app', image: 'podloop/busybox', command: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"] },
          ],
        },
      },
    },
  };
}

/** Runs `tar c` of the tree into `kubectl exec -i -- tar x` and resolves with the elapsed ms. */
function tarOverKubectl(
  sandbox: TestSandbox,
  tree: string,
  namespace: string,
  pod: string,
  target: string,
): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-c', '-C', tree, '.'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const kubectl = spawn(
      'kubectl',
      [
        'exec',
        '-i',
        '-n',
        namespace,
        pod,
        '-c',
        'app',
        '--',
        'sh',
        '-c',
        'mkdir -p "$1" && tar -x -C "$1"',
        'sh',
        target,
      ],
      { env: sandbox.env, stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    kubectl.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    tar.stdout.pipe(kubectl.stdin);
    kubectl.on('error', reject);
    kubectl.on('close', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`tar over kubectl exec failed: ${stderr}`)),
    );
  });
}

function kubectlCp(
  sandbox: TestSandbox,
  file: string,
  namespace: string,
  pod: string,
  target: string,
): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['cp', '-n', namespace, '-c', 'app', file, `${pod}:${target}`], {
      env: sandbox.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`kubectl cp failed: ${stderr}`)),
    );
  });
}

/** Polls as fast as the protocol answers: a timer-paced poll would add its own period to the latency. */
async function landed(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('the edit did not land in time');
  }
}

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const treeFiles = ctx.quick ? 1000 : 10_000;
  const watchFiles = ctx.quick ? 5000 : 50_000;
  const edits = ctx.quick ? 20 : 60;
  const copies = ctx.quick ? 3 : 10;
  // Initial sync and its baseline run in pairs, each into a fresh pod, so load from the rest of the
  // machine hits both sides of a pair alike; the medians are compared.
  const initialRounds = ctx.quick ? 1 : 5;
  const sandbox = await startTestSandbox();
  const scratch = tempDir('bench-sync');
  const engines: EngineProcess[] = [];
  const engine = async (): Promise<EngineProcess> => {
    const started = await startInitializedEngine({}, { env: { KUBECONFIG: sandbox.sandbox.kubeconfigPath } });
    engines.push(started);
    return started;
  };
  try {
    const namespace = 'bench-sync';
    sandbox.sandbox.store.create(resourceByPlural('namespaces'), { metadata: { name: namespace } } as never);
    const objects = kubeObjects(openKube({ kubeconfig: sandbox.sandbox.kubeconfigPath }));
    await objects.create('Deployment', namespace, deployment('tree'), AbortSignal.timeout(10_000));
    await objects.create('Deployment', namespace, deployment('watch'), AbortSignal.timeout(10_000));
    for (let round = 1; round < initialRounds; round++)
      await objects.create('Deployment', namespace, deployment(`tree-${round}`), AbortSignal.timeout(10_000));
    const tree = join(scratch, 'tree');
    ctx.log(`generating ${treeFiles} files`);
    const treeBytes = generateTree(tree, treeFiles, Math.round((100 * 1024 * 1024) / 10_000));
    const ref = { kind: 'Deployment' as const, name: 'tree', namespace };

    // Initial sync, timed by dev/start's own stage timings.
    const first = await engine();
    const started = await first.connection.sendRequest(DevStart.type, {
      ...ref,
      image: 'podloop/node-dev',
      localDir: tree,
      remoteDir: '/app',
    });
    const initialSamples = [started.timings['initial sync'] ?? Number.NaN];
    const pod = started.session.pod;
    if (pod === undefined) throw new Error('dev start named no pod');
    const baselineSamples = [await tarOverKubectl(sandbox, tree, namespace, pod, '/tmp/baseline')];

    // One small file saved → applied in the container (the receiver's ack), polled over the protocol.
    const status = async () => (await first.connection.sendRequest(SyncStatusRequest.type, ref)).status;
    const editSamples: number[] = [];
    const engineLatencies: number[] = [];
    const small = join(tree, 'edit.txt');
    for (let i = 0; i < edits; i++) {
      const before = (await status()).totals.batches;
      const saved = performance.now();
      writeFileSync(small, `edit ${i}\n`);
      await landed(async () => {
        const now = await status();
        return now.totals.batches > before && now.pendingFiles === 0;
      });
      editSamples.push(performance.now() - saved);
      engineLatencies.push((await status()).lastBatch?.latencyMs ?? Number.NaN);
    }
    const cpSamples: number[] = [];
    for (let i = 0; i < copies; i++) cpSamples.push(await kubectlCp(sandbox, small, namespace, pod, '/tmp/edit.txt'));

    // Re-sync of the unchanged tree: the engine goes away (the workload stays in dev mode, its files
    // stay in the container), and a new engine starts dev mode again: its sync diffs both manifests.
    await first.close();
    const second = await engine();
    await second.connection.sendRequest(DevStart.type, {
      ...ref,
      image: 'podloop/node-dev',
      localDir: tree,
      remoteDir: '/app',
    });
    const resync = (await second.connection.sendRequest(SyncStatusRequest.type, ref)).status;
    await second.close();

    for (let round = 1; round < initialRounds; round++) {
      const other = await engine();
      const otherStart = await other.connection.sendRequest(DevStart.type, {
        kind: 'Deployment',
        name: `tree-${round}`,
        namespace,
        image: 'podloop/node-dev',
        localDir: tree,
        remoteDir: '/app',
      });
      initialSamples.push(otherStart.timings['initial sync'] ?? Number.NaN);
      const otherPod = otherStart.session.pod;
      if (otherPod === undefined) throw new Error('dev start named no pod');
      baselineSamples.push(await tarOverKubectl(sandbox, tree, namespace, otherPod, '/tmp/baseline'));
      await other.close();
    }

    // RSS of an engine watching a large tree after its initial sync.
    const watchTree = join(scratch, 'watch');
    ctx.log(`generating ${watchFiles} files`);
    generateTree(watchTree, watchFiles, 64);
    const watcher = await engine();
    const idleRss = rssMiB(watcher.child.pid);
    await watcher.connection.sendRequest(DevStart.type, {
      kind: 'Deployment',
      name: 'watch',
      namespace,
      image: 'podloop/node-dev',
      localDir: watchTree,
      remoteDir: '/app',
    });
    const rssAfterSync = rssMiB(watcher.child.pid);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const rssAfter5s = rssMiB(watcher.child.pid);
    // Watching is the steady state that lasts for hours: measured once the engine has been quiet a while.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const rss = rssMiB(watcher.child.pid);

    const edit = summarize('small-edit-saved-to-landed', editSamples, 50);
    const cp = summarize('kubectl-cp-same-file', cpSamples);
    const initial = summarize('initial-sync', initialSamples);
    const baseline = summarize('tar-over-kubectl-exec', baselineSamples);
    const resyncPercent = (resync.totals.bytes / treeBytes) * 100;
    return {
      name: 'sync',
      description: `File sync through the engine into a sandbox dev pod (tree: ${treeFiles} files, ${Math.round(treeBytes / 1048576)} MiB)`,
      metrics: [edit, cp, initial, baseline],
      notes: [
        `Small edit p50 ${edit.median.toFixed(1)} ms vs kubectl cp p50 ${cp.median.toFixed(1)} ms: ratio ${(edit.median / cp.median).toFixed(3)} (target ≤ 0.2).`,
        `Engine-reported batch latency (first file event → container ack) p50 ${summarize('engine', engineLatencies).median} ms.`,
        `Initial sync p50 ${Math.round(initial.median)} ms vs tar | kubectl exec tar x p50 ${Math.round(baseline.median)} ms over ${initialRounds} alternating rounds: ratio ${(initial.median / baseline.median).toFixed(2)} (target ≤ 1).`,
        `Re-sync of the unchanged tree sent ${resync.totals.bytes} bytes in ${resync.totals.files} files: ${resyncPercent.toFixed(3)}% of the tree (target < 1%).`,
        `Engine RSS while watching ${watchFiles} files, 20 s after its initial sync: ${rss} MiB (target < 150 MiB); 5 s after it: ${rssAfter5s} MiB; right as it ended: ${rssAfterSync} MiB; the same engine idle before dev start: ${idleRss} MiB.`,
      ],
    };
  } finally {
    await Promise.all(engines.map((one) => one.close()));
    await sandbox.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
