// What the benchmarks that develop the sample web app share: a fresh sandbox, a copy of
// examples/web-app, an engine pointed at the sandbox, and the app's Deployment as a user deploys it.
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Exit, Shutdown } from '../protocol/lifecycle.js';
import { openKube } from '../server/kube/index.js';
import { kubeObjects } from '../server/kube/objects.js';
import type { KubeObjects } from '../server/kube/objects.js';
import { startInitializedEngine } from '../test/helpers/engine.js';
import type { EngineProcess } from '../test/helpers/engine.js';
import { startTestSandbox, tempDir } from '../test/helpers/sandbox.js';
import type { TestSandbox } from '../test/helpers/sandbox.js';
import type { BenchContext } from './report.js';

/** The sample web app's Deployment as the user deploys it, before dev mode. */
export function webApp(name: string): Record<string, unknown> {
  const labels = { app: name };
  return {
    metadata: { name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'web', image: 'podloop/web-app', ports: [{ containerPort: 8080 }] }] },
      },
    },
  };
}

export interface SampleAppBench {
  sandbox: TestSandbox;
  objects: KubeObjects;
  engine: EngineProcess;
  /** The copy of examples/web-app. */
  project: string;
  /** Shuts the engine down, then removes the copy and the sandbox. */
  close(): Promise<void>;
}

/** Starts it all; with `workspace` the engine's workspace folder is the copy (its .podloop config applies). */
export async function startSampleApp(ctx: BenchContext, options: { workspace: boolean }): Promise<SampleAppBench> {
  const sandbox = await startTestSandbox();
  const objects = kubeObjects(openKube({ kubeconfig: sandbox.sandbox.kubeconfigPath }));
  const project = tempDir('bench-app');
  cpSync(join(ctx.root, 'examples', 'web-app'), project, { recursive: true });
  const engine = await startInitializedEngine(options.workspace ? { workspaceFolder: project } : {}, {
    env: { KUBECONFIG: sandbox.sandbox.kubeconfigPath, KUBECACHEDIR: join(sandbox.stateDir, 'kube-cache') },
  });
  return {
    sandbox,
    objects,
    engine,
    project,
    async close() {
      await engine.connection.sendRequest(Shutdown.type).catch(() => undefined);
      await engine.connection.sendNotification(Exit.type).catch(() => undefined);
      await engine.close();
      rmSync(project, { recursive: true, force: true });
      await sandbox.close();
    },
  };
}
