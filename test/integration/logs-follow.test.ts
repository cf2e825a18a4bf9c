// logs/follow through the real engine: history with tailLines, and following a Deployment while
// its pod is deleted: the new pod's lines arrive, and no line is duplicated or skipped.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LogLines, LogsFollow, LogsStop } from '../../protocol/index.js';
import type { LogLine, LogLinesParams } from '../../protocol/index.js';
import { waitFor } from '../helpers/sandbox.js';
import { deployment, startCluster } from './exec-helpers.js';
import type { Cluster } from './exec-helpers.js';

let cluster: Cluster;
const batches: LogLinesParams[] = [];

const counter = deployment('counter', {
  image: 'podloop/busybox:1.0',
  command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "line $i"; sleep 0.02; done'],
});

// Exits after every 15 lines and is restarted; the count lives on in an emptyDir.
const restarter = deployment(
  'restarter',
  {
    image: 'podloop/busybox:1.0',
    command: [
      'sh',
      '-c',
      'n=$(cat /data/n 2>/dev/null || echo 0); end=$((n+15)); while [ $n -lt $end ]; do n=$((n+1)); echo "line $n"; echo $n > /data/n; sleep 0.02; done; exit 1',
    ],
    volumeMounts: [{ name: 'data', mountPath: '/data' }],
  },
  { volumes: [{ name: 'data', emptyDir: {} }] },
);

before(async () => {
  cluster = await startCluster('logs', [counter, restarter], { backoffBaseMs: 200 });
  cluster.engine.connection.onNotification(LogLines.type, (params) => void batches.push(params));
  await cluster.waitForReadyPod('counter');
});

after(async () => {
  await cluster?.close();
});

const linesOf = (streamId: string): LogLine[] =>
  batches.filter((batch) => batch.streamId === streamId).flatMap((batch) => batch.lines);

/** The numbers of `line N` per pod, in arrival order. */
function numbersByPod(lines: LogLine[]): Map<string, number[]> {
  const byPod = new Map<string, number[]>();
  for (const line of lines) {
    const number = Number(/^line (\d+)$/.exec(line.text)?.[1]);
    assert.ok(Number.isInteger(number), `unexpected line ${JSON.stringify(line)}`);
    byPod.set(line.pod, [...(byPod.get(line.pod) ?? []), number]);
  }
  return byPod;
}

function assertContiguous(numbers: number[], what: string): void {
  for (let i = 1; i < numbers.length; i++)
    assert.equal(numbers[i], (numbers[i - 1] ?? 0) + 1, `${what}: line ${numbers[i - 1]} followed by ${numbers[i]}`);
}

void test('logs/follow without follow returns the last tailLines lines and ends', async () => {
  await waitFor(
    'some output',
    async () =>
      (await cluster.sandbox.kubectl(['logs', '-n', 'logs', 'deploy/counter', '--tail=5'])).stdout.split('\n').length >
      5,
  );
  const { streamId } = await cluster.engine.connection.sendRequest(LogsFollow.type, {
    kind: 'Deployment',
    name: 'counter',
    tailLines: 3,
    follow: false,
  });
  await waitFor('the end of the stream', () =>
    batches.some((batch) => batch.streamId === streamId && batch.end === true),
  );
  const lines = linesOf(streamId);
  assert.equal(lines.length, 3);
  assert.equal(lines[0]?.container, 'app');
  assert.match(lines[0]?.time ?? '', /^\d{4}-\d\d-\d\dT/);
  assertContiguous(numbersByPod(lines).values().next().value ?? [], 'tail');
});

void test('logs -f follows a Deployment across a pod deletion without duplicates or gaps', async () => {
  const { streamId } = await cluster.engine.connection.sendRequest(LogsFollow.type, {
    kind: 'Deployment',
    name: 'counter',
    tailLines: 10,
  });
  const firstPod = await waitFor(
    'lines from the first pod',
    () => linesOf(streamId).length >= 20 && linesOf(streamId)[0]?.pod,
  );
  cluster.deletePod(firstPod);
  const secondPod = await cluster.waitForReadyPod('counter', firstPod);
  await waitFor(
    '30 lines from the new pod',
    () => (numbersByPod(linesOf(streamId)).get(secondPod)?.length ?? 0) >= 30,
    30_000,
  );
  await cluster.engine.connection.sendRequest(LogsStop.type, { streamId });

  const byPod = numbersByPod(linesOf(streamId));
  const first = byPod.get(firstPod) ?? [];
  const second = byPod.get(secondPod) ?? [];
  assertContiguous(first, firstPod);
  assertContiguous(second, secondPod);
  assert.ok(first.length >= 20);
  assert.equal(second[0], 1, 'the new pod is followed from its first line');
  assert.deepEqual([...byPod.keys()].sort(), [firstPod, secondPod].sort());
});

void test('logs -f resumes a restarted container where it left off, without duplicates or gaps', async () => {
  const { streamId } = await cluster.engine.connection.sendRequest(LogsFollow.type, {
    kind: 'Deployment',
    name: 'restarter',
    tailLines: -1,
  });
  await waitFor('lines across at least two restarts', () => linesOf(streamId).length >= 45, 30_000);
  await cluster.engine.connection.sendRequest(LogsStop.type, { streamId });
  const byPod = numbersByPod(linesOf(streamId));
  assert.equal(byPod.size, 1);
  // The history is the current instance's; what follows spans at least two restarts (15 lines each).
  const numbers = byPod.values().next().value ?? [];
  assert.ok(numbers.length >= 45);
  assertContiguous(numbers, 'restarted container');
});
