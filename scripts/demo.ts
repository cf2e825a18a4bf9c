// `npm run demo`: podloop's main job end to end on the sandbox, through the engine as an editor would drive
// it; each step says what it did and how long it took. Exits non-zero on the first failure.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import type { MessageConnection } from 'vscode-jsonrpc/node.js';
import { DevEnd, DevStart } from '../protocol/dev.js';
import { Exit, Initialize, Shutdown } from '../protocol/lifecycle.js';
import { LogLines } from '../protocol/logs.js';
import { PortForwardList } from '../protocol/portForward.js';
import { RunStart, RunStop } from '../protocol/run.js';
import { SandboxDown, SandboxUp } from '../protocol/sandbox.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const engineMain = join(root, 'dist', 'server', 'main.js');
const exampleDir = join(root, 'examples', 'web-app');
const namespace = 'podloop-demo';
const name = 'web-app';

interface Engine {
  connection: MessageConnection;
  close(): Promise<void>;
}

/** Spawns the engine over stdio and initializes it, as the CLI and the editor clients do. */
async function startEngine(params: { kubeconfig?: string; workspaceFolder?: string }): Promise<Engine> {
  const child = spawn(process.execPath, [engineMain, '--stdio', '--log-level', 'silent'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin.on('error', () => undefined);
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  connection.onError(() => undefined);
  connection.listen();
  await connection.sendRequest(Initialize.type, { processId: process.pid, ...params });
  return {
    connection,
    async close() {
      if (child.exitCode === null) {
        await connection.sendRequest(Shutdown.type).catch(() => undefined);
        await connection.sendNotification(Exit.type).catch(() => undefined);
      }
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
      connection.dispose();
    },
  };
}

const demoStarted = performance.now();

/** Runs one step and prints what it did and how long it took. */
async function step<T>(title: string, work: () => Promise<T>, describe?: (value: T) => string): Promise<T> {
  const started = performance.now();
  const value = await work();
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`✓ ${title}${describe ? `: ${describe(value)}` : ''} (${ms} ms)\n`);
  return value;
}

async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function sampleApp(): KubernetesObject[] {
  const labels = { app: name };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'podloop/web-app',
                ports: [{ containerPort: 8080 }],
                readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    } as KubernetesObject,
  ];
}

/** Creates each object, or replaces it when a kept sandbox still has it. */
async function deploy(config: KubeConfig): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(config);
  for (const object of sampleApp()) {
    try {
      await client.create(object);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 409) throw error;
      if (object.kind === 'Namespace') continue;
      const existing = await client.read({
        apiVersion: object.apiVersion!,
        kind: object.kind!,
        metadata: object.metadata!,
      } as never);
      await client.replace({
        ...object,
        metadata: { ...object.metadata, resourceVersion: existing.metadata?.resourceVersion },
      });
    }
  }
}

async function httpGet(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
  return (await response.text()).trim();
}

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const stateDir = process.env.PODLOOP_DEMO_DIR ?? join(homedir(), '.podloop', 'demo');
  process.stdout.write(`podloop demo: sandbox in ${stateDir}${keep ? ' (kept afterwards)' : ''}\n`);

  const sandboxEngine = await startEngine({});
  let devEngine: Engine | undefined;
  const project = mkdtempSync(join(tmpdir(), 'podloop-demo-'));
  try {
    const sandbox = await step(
      'started the sandbox cluster',
      () => sandboxEngine.connection.sendRequest(SandboxUp.type, { stateDir }),
      (info) => info.server,
    );
    const config = new KubeConfig();
    config.loadFromFile(sandbox.kubeconfigPath);
    const apps = config.makeApiClient(AppsV1Api);

    await step('deployed the sample web app (Deployment + Service, through client-node)', async () => {
      await deploy(config);
      await poll(
        'the web app to be ready',
        async () => {
          const deployment = await apps.readNamespacedDeployment({ name, namespace });
          const ready = (deployment.status?.readyReplicas ?? 0) >= 1 && deployment.status?.updatedReplicas === 1;
          return ready ? true : undefined;
        },
        30_000,
      );
    });
    const original = await apps.readNamespacedDeployment({ name, namespace });

    cpSync(exampleDir, project, { recursive: true });
    devEngine = await startEngine({ kubeconfig: sandbox.kubeconfigPath, workspaceFolder: project });
    const dev = devEngine.connection;
    const output: string[] = [];
    dev.onNotification(LogLines.type, (batch) => output.push(...batch.lines.map((line) => line.text)));

    await step(
      'dev mode: web-app runs the dev image, the local folder is synced and a port forwarded',
      () =>
        dev.sendRequest(DevStart.type, { kind: 'Deployment', name, namespace, localDir: project, ports: ['0:8080'] }),
      (result) =>
        `pod ${result.session.pod ?? '?'}; ${Object.entries(result.timings)
          .map(([stage, ms]) => `${stage} ${ms} ms`)
          .join(', ')}`,
    );
    const forward = await step(
      'found the port forward',
      async () => {
        const { forwards } = await dev.sendRequest(PortForwardList.type, {});
        const found = forwards.find((f) => f.workload.name === name && f.remotePort === 8080);
        if (!found) throw new Error('dev start set up no forward to port 8080');
        return found;
      },
      (f) => `127.0.0.1:${f.localPort} → ${f.pod ?? name}:8080`,
    );

    const { runId } = await step(
      'ran `node server.js` in the dev container (command.run from .podloop/config.yaml)',
      () => dev.sendRequest(RunStart.type, { kind: 'Deployment', name, namespace }),
    );
    const first = await step(
      'the app answers through the port forward',
      () => poll('the app to answer', async () => httpGet(forward.localPort)),
      (text) => JSON.stringify(text),
    );

    const edited = `Hello from podloop, edited at ${new Date().toISOString()}`;
    await step(
      'edited greeting.txt locally; the change is synced and served',
      async () => {
        writeFileSync(join(project, 'greeting.txt'), `${edited}\n`);
        await poll('the edit to be served', async () =>
          (await httpGet(forward.localPort)) === edited ? true : undefined,
        );
      },
      () => `${JSON.stringify(first)} → ${JSON.stringify(edited)}`,
    );

    await step('the app logs', async () => {
      await poll(
        'request log lines',
        async () => (output.some((line) => line.startsWith('GET /')) ? true : undefined),
        5000,
      );
      for (const line of output.slice(-4)) process.stdout.write(`    | ${line}\n`);
    });
    await dev.sendRequest(RunStop.type, { runId }).catch(() => undefined);

    await step(
      'ended dev mode; the Deployment is restored exactly',
      async () => {
        const ended = await dev.sendRequest(DevEnd.type, { kind: 'Deployment', name, namespace });
        if (!ended.restored) throw new Error('dev end restored nothing');
        const restored = await apps.readNamespacedDeployment({ name, namespace });
        if (!isDeepStrictEqual(restored.spec, original.spec))
          throw new Error('the restored spec differs from the original');
        const annotations = Object.keys(restored.metadata?.annotations ?? {}).filter((key) =>
          key.startsWith('podloop.dev/'),
        );
        if (annotations.length > 0) throw new Error(`podloop annotations left behind: ${annotations.join(', ')}`);
      },
      () => 'spec deep-equal to the original, no podloop annotations left',
    );
  } finally {
    await devEngine?.close();
    rmSync(project, { recursive: true, force: true });
    if (!keep) {
      await step('stopped the sandbox', () =>
        sandboxEngine.connection.sendRequest(SandboxDown.type, { stateDir }),
      ).catch((error: unknown) => process.stderr.write(`could not stop the sandbox: ${String(error)}\n`));
    }
    await sandboxEngine.close();
  }
  process.stdout.write(`Demo finished in ${((performance.now() - demoStarted) / 1000).toFixed(1)} s.\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`✗ demo failed: ${message}\n`);
  process.exitCode = 1;
});
