// Hot-reload benchmark: the sample web app in dev mode (sync, port-forward, `run` with hotReload), then
// repeated edits of its server.js, each timed from the file write to the first HTTP answer through the
// forward that shows the edit, with the stages the engine reports on the way.
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DevStart } from '../protocol/dev.js';
import { LogLines, PortForwardList, RunExited, RunStart, RunStop } from '../protocol/index.js';
import { EngineState } from '../protocol/state.js';
import { resourceByPlural } from '../sandbox/store/resources.js';
import { waitFor } from '../test/helpers/sandbox.js';
import { startSampleApp, webApp } from './sampleApp.js';
import { summarize } from './report.js';
import type { BenchContext, BenchSection } from './report.js';

const namespace = 'bench-hot';
const name = 'web-app';
/** The sample's request handler opens here; each edit puts its own answer to GET / right after it. */
const handlerAnchor = 'http.createServer((req, res) => {';

/** server.js with GET / answering `marker`: a source edit only a restarted process can serve. */
export function editedServer(original: string, marker: string): string {
  const at = original.indexOf(handlerAnchor);
  if (at < 0) throw new Error(`examples/web-app/server.js no longer contains "${handlerAnchor}"; update the benchmark`);
  const end = at + handlerAnchor.length;
  return `${original.slice(0, end)}\n  if (req.url === '/') return void res.end('${marker}\\n');${original.slice(end)}`;
}

/** GET / on a new connection; '' when it fails (the app restarting, the forward reconnecting). */
function answer(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body.trim()));
      res.on('error', () => resolve(''));
    });
    req.on('error', () => resolve(''));
    req.setTimeout(3000, () => req.destroy());
    req.end();
  });
}

/** Polls GET / back to back (a request through the forward takes milliseconds) until it answers `marker`. */
async function answered(port: number, marker: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await answer(port)) !== marker) {
    if (Date.now() > deadline) throw new Error(`no "${marker}" over HTTP within 30 s of the edit`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const stageNames = ['synced', 'stopped', 'listening'] as const;
/** Wall-clock moments (Date.now()) the engine reported during one edit. */
type EditMoments = Partial<Record<(typeof stageNames)[number], number>>;

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const edits = ctx.quick ? 10 : 25;
  const app = await startSampleApp(ctx, { workspace: true });
  const { sandbox, objects, engine, project } = app;
  const source = readFileSync(join(project, 'server.js'), 'utf8');
  const total: number[] = [];
  const stages = { synced: [] as number[], stopped: [] as number[], listening: [] as number[] };
  try {
    sandbox.sandbox.store.create(resourceByPlural('namespaces'), { metadata: { name: namespace } } as never);
    await objects.create('Deployment', namespace, webApp(name), AbortSignal.timeout(10_000));
    const { connection } = engine;
    let moments: EditMoments = {};
    let editedAt = Number.POSITIVE_INFINITY;
    // Reports of an earlier edit can arrive after the next write (log lines come in batches): dropped.
    const record = (stage: keyof EditMoments, at: number): void => {
      if (at >= editedAt) moments[stage] ??= at;
    };
    connection.onNotification(EngineState.type, (state) => {
      const at = state.devSessions.find((session) => session.workload.name === name)?.sync?.lastBatch?.at;
      if (at !== undefined) record('synced', Date.parse(at));
    });
    connection.onNotification(RunExited.type, (exit) => {
      if (exit.restarting) record('stopped', Date.now());
    });
    connection.onNotification(LogLines.type, (batch) => {
      for (const line of batch.lines)
        if (line.text.includes('listening'))
          record('listening', line.time !== undefined ? Date.parse(line.time) : Date.now());
    });
    await connection.sendRequest(DevStart.type, {
      kind: 'Deployment',
      name,
      namespace,
      localDir: project,
      ports: ['0:8080'],
    });
    const { forwards } = await connection.sendRequest(PortForwardList.type, {});
    const port = forwards.find((forward) => forward.remotePort === 8080)?.localPort ?? 0;
    const { runId } = await connection.sendRequest(RunStart.type, {
      kind: 'Deployment',
      name,
      namespace,
      restartOnSync: true,
    });
    await waitFor('the sample app to answer through the forward', async () => (await answer(port)).length > 0, 30_000);
    for (let i = 0; i < edits + 1; i++) {
      const marker = `edit ${i}`;
      moments = {};
      editedAt = Date.now();
      const started = performance.now();
      writeFileSync(join(project, 'server.js'), editedServer(source, marker));
      await answered(port, marker);
      const ms = performance.now() - started;
      await waitFor('the reports of the edit', () => Object.keys(moments).length === stageNames.length, 5000);
      const stageMs = stageNames.map((stage) => (moments[stage] ?? Number.NaN) - editedAt);
      ctx.log(
        `hot reload ${i}/${edits}: ${Math.round(ms)} ms (${stageNames.map((stage, n) => `${stage} ${stageMs[n]}`).join(', ')})`,
      );
      // The first edit warms the engine's code paths and the sandbox's caches: not counted.
      if (i === 0) continue;
      total.push(ms);
      stageNames.forEach((stage, n) => stages[stage].push(stageMs[n] ?? Number.NaN));
    }
    await connection.sendRequest(RunStop.type, { runId });
  } finally {
    await app.close();
  }
  return {
    name: 'hotReload',
    description: `The sample web app (examples/web-app) in dev mode on the sandbox with a forwarded port and \`run\` with hot reload; ${edits} edits of server.js, each from the file write to the first HTTP answer through the forward that shows the edit (polled on new connections).`,
    metrics: [
      summarize('edit-to-answer', total, 1000),
      summarize('stage: sync batch applied', stages.synced),
      summarize('stage: old process stopped', stages.stopped),
      summarize('stage: new process listening', stages.listening),
    ],
    notes: [
      'Stages are wall-clock moments after the write: the sync batch as the engine reports it (engine/state), the run/exited of the old process, and the app\'s "listening" log line as the engine received it.',
    ],
  };
}
