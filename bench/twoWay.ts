// Two-way sync benchmarks against the sandbox through the real engine: a file written in the dev
// container → present in the local folder, and what two-way costs a local edit's latency and the
// idle engine's CPU, each against one-way sync of the same tree in the same run.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DevStart, SyncStatusRequest } from '../protocol/index.js';
import { openKube } from '../server/kube/index.js';
import { kubeObjects } from '../server/kube/objects.js';
import { resourceByPlural } from '../sandbox/store/resources.js';
import { startInitializedEngine, type EngineProcess } from '../test/helpers/engine.js';
import { startTestSandbox, tempDir, type TestSandbox } from '../test/helpers/sandbox.js';
import { summarize } from './report.js';
import type { BenchContext, BenchSection } from './report.js';
import { deployment, generateTree } from './sync.js';

const WORKLOAD = 'twoway';

function writeConfig(tree: string, mode: 'one-way' | 'two-way'): void {
  mkdirSync(join(tree, '.podloop'), { recursive: true });
  writeFileSync(
    join(tree, '.podloop', 'config.yaml'),
    [
      'version: 1',
      'workloads:',
      `  - kind: Deployment`,
      `    name: ${WORKLOAD}`,
      '    containers:',
      '      - name: app',
      '        sync:',
      `          mode: ${mode}`,
      '',
    ].join('\n'),
  );
}

/** Engine CPU (user + system) in ms, from /proc. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function kubectlWrite(
  sandbox: TestSandbox,
  namespace: string,
  pod: string,
  path: string,
  text: string,
): Promise<void> {
  const script = 'mkdir -p "$(dirname "$1")" && printf %s "$2" > "$1"';
  const target = ['-n', namespace, pod, '-c', 'app'];
  const result = await sandbox.kubectl(['exec', ...target, '--', 'sh', '-c', script, 'sh', path, text]);
  if (result.code !== 0) throw new Error(`writing in the container failed: ${result.stderr}`);
}

/** Checks as fast as the event loop allows: a timer-paced check would add its own period. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen in time`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

interface Phase {
  engine: EngineProcess;
  pod: string;
  editSamples: number[];
  idleCpuPercent: number;
}

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const treeFiles = ctx.quick ? 1000 : 10_000;
  const edits = ctx.quick ? 10 : 50;
  const writes = ctx.quick ? 10 : 30;
  const idleMs = ctx.quick ? 3000 : 10_000;
  const sandbox = await startTestSandbox();
  const scratch = tempDir('bench-twoway');
  const engines: EngineProcess[] = [];
  try {
    const namespace = 'bench-twoway';
    sandbox.sandbox.store.create(resourceByPlural('namespaces'), { metadata: { name: namespace } } as never);
    const objects = kubeObjects(openKube({ kubeconfig: sandbox.sandbox.kubeconfigPath }));
    await objects.create('Deployment', namespace, deployment(WORKLOAD), AbortSignal.timeout(10_000));
    const tree = join(scratch, 'tree');
    ctx.log(`generating ${treeFiles} files`);
    const treeBytes = generateTree(tree, treeFiles, Math.round((100 * 1024 * 1024) / 10_000));
    const ref = { kind: 'Deployment' as const, name: WORKLOAD, namespace };

    // The same tree and pod, first in one-way then in two-way mode: a fresh engine each time.
    const phase = async (mode: 'one-way' | 'two-way'): Promise<Phase> => {
      writeConfig(tree, mode);
      const engine = await startInitializedEngine({}, { env: { KUBECONFIG: sandbox.sandbox.kubeconfigPath } });
      engines.push(engine);
      const started = await engine.connection.sendRequest(DevStart.type, {
        ...ref,
        image: 'podloop/node-dev',
        localDir: tree,
        remoteDir: '/app',
      });
      const pod = started.session.pod;
      if (pod === undefined) throw new Error('dev start named no pod');
      const status = async () => (await engine.connection.sendRequest(SyncStatusRequest.type, ref)).status;
      const editSamples: number[] = [];
      for (let i = 0; i < edits; i++) {
        const before = (await status()).totals.batches;
        const saved = performance.now();
        writeFileSync(join(tree, 'edit.txt'), `${mode} edit ${i}\n`);
        await until(async () => {
          const now = await status();
          return now.totals.batches > before && now.pendingFiles === 0;
        }, 'the edit landing');
        editSamples.push(performance.now() - saved);
      }
      // The engine collects garbage 2 s and 4 s after its initial sync: one-time work, not idling.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const cpuBefore = cpuMs(engine.child.pid);
      await new Promise((resolve) => setTimeout(resolve, idleMs));
      const idleCpuPercent = ((cpuMs(engine.child.pid) - cpuBefore) / idleMs) * 100;
      return { engine, pod, editSamples, idleCpuPercent };
    };

    const oneWay = await phase('one-way');
    await oneWay.engine.close();
    const twoWay = await phase('two-way');

    // A file written in the container → present locally (timed from the end of the write's exec).
    const writeSamples: number[] = [];
    for (let i = 0; i < writes; i++) {
      // Spread over the scan period: written right after a pull, every sample would wait a whole period.
      await new Promise((resolve) => setTimeout(resolve, ((i * 7) % 10) * 100));
      const text = `generated ${i}`;
      await kubectlWrite(sandbox, namespace, twoWay.pod, `/app/gen/out${i}.txt`, text);
      const written = performance.now();
      const local = join(tree, 'gen', `out${i}.txt`);
      await until(() => existsSync(local) && readFileSync(local, 'utf8') === text, 'the container write coming back');
      writeSamples.push(performance.now() - written);
    }
    const pulled = (await twoWay.engine.connection.sendRequest(SyncStatusRequest.type, ref)).status;

    const one = summarize('small-edit-one-way', oneWay.editSamples);
    const two = summarize('small-edit-two-way', twoWay.editSamples);
    const back = summarize('container-write-to-local', writeSamples);
    return {
      name: 'twoWay',
      description: `Two-way file sync through the engine with a sandbox dev pod (tree: ${treeFiles} files, ${Math.round(treeBytes / 1048576)} MiB; container scanned every 1000 ms)`,
      metrics: [back, one, two],
      notes: [
        `A file written in the container is present locally after p50 ${back.median.toFixed(0)} ms, p95 ${back.p95.toFixed(0)} ms (writes spread over the 1 s scan period, which dominates); ${pulled.pulledFiles ?? 0} files pulled, ${pulled.conflicts ?? 0} conflicts.`,
        `Small local edit saved → landed: two-way p50 ${two.median.toFixed(1)} ms vs one-way p50 ${one.median.toFixed(1)} ms (ratio ${(two.median / one.median).toFixed(2)}); the difference is the check of the batch's paths in the container.`,
        `Idle engine CPU over ${idleMs / 1000} s: two-way ${twoWay.idleCpuPercent.toFixed(1)}% of one core (a container scan each second) vs one-way ${oneWay.idleCpuPercent.toFixed(1)}%.`,
      ],
    };
  } finally {
    await Promise.all(engines.map((one) => one.close()));
    await sandbox.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
