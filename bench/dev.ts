// Dev-mode benchmark: time from `dev/start` to its result (dev pod running, initial sync of the sample app
// done) on the sandbox, with the per-stage breakdown the engine reports; then `dev/end`.
import { DevEnd, DevStart } from '../protocol/dev.js';
import { devStartStages } from '../server/dev/service.js';
import { resourceByPlural } from '../sandbox/store/resources.js';
import { waitFor } from '../test/helpers/sandbox.js';
import { summarize } from './report.js';
import { startSampleApp, webApp } from './sampleApp.js';
import type { BenchContext, BenchSection } from './report.js';

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const runs = ctx.quick ? 3 : 7;
  const app = await startSampleApp(ctx, { workspace: false });
  const { sandbox, objects, engine, project } = app;
  const total: number[] = [];
  const perStage = new Map<string, number[]>();
  try {
    for (let i = 0; i < runs; i++) {
      const namespace = `bench-dev-${i}`;
      sandbox.sandbox.store.create(resourceByPlural('namespaces'), { metadata: { name: namespace } } as never);
      await objects.create('Deployment', namespace, webApp('web-app'), AbortSignal.timeout(10_000));
      await waitFor('the web app to run', async () => {
        const deployment = (await objects.get('Deployment', namespace, 'web-app', AbortSignal.timeout(5000))) as {
          status?: { readyReplicas?: number };
        };
        return (deployment.status?.readyReplicas ?? 0) >= 1;
      });
      const started = performance.now();
      const result = await engine.connection.sendRequest(DevStart.type, {
        kind: 'Deployment',
        name: 'web-app',
        namespace,
        localDir: project,
      });
      total.push(performance.now() - started);
      for (const [stage, ms] of Object.entries(result.timings))
        perStage.set(stage, [...(perStage.get(stage) ?? []), ms]);
      await engine.connection.sendRequest(DevEnd.type, { kind: 'Deployment', name: 'web-app', namespace });
      ctx.log(`dev start ${i + 1}/${runs}: ${Math.round(total.at(-1)!)} ms`);
    }
  } finally {
    await app.close();
  }
  const stages = devStartStages.filter((stage) => perStage.has(stage));
  return {
    name: 'dev',
    description:
      'dev/start of the sample web app (Deployment, podloop/node-dev, examples/web-app synced) on the sandbox, request to result, with the stage breakdown; each run in a fresh namespace, dev/end after.',
    metrics: [
      summarize('start-to-ready', total, 3000),
      ...stages.map((stage) => summarize(`stage: ${stage}`, perStage.get(stage) ?? [])),
    ],
    notes: [
      "Pod readiness here is the dev container running podloop's PID 1; the rollout waits for the old pod to stop (web-app exits at once on SIGTERM).",
    ],
  };
}
