// Shared setup of the dev-mode integration tests: one full sandbox per file, a namespace per test, the
// sample workloads of each kind created through the API (so the API server defaults them as kubectl would).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageConnection } from 'vscode-jsonrpc/node.js';
import { WorkDoneProgress } from '../../protocol/progress.js';
import type { WorkDoneProgressValue } from '../../protocol/progress.js';
import { openKube } from '../../server/kube/index.js';
import { kubeObjects, type KubeObjects, type ObjectKind } from '../../server/kube/objects.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { startInitializedEngine, type EngineProcess } from '../helpers/engine.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

export interface DevCluster {
  sandbox: TestSandbox;
  objects: KubeObjects;
  /** Creates a fresh namespace and returns its name. */
  namespace(prefix: string): string;
  /** A fresh engine pointed at this sandbox; closed by `close`. */
  engine(env?: NodeJS.ProcessEnv): Promise<EngineProcess>;
  close(): Promise<void>;
}

export async function startDevCluster(): Promise<DevCluster> {
  const sandbox = await startTestSandbox({ kubelet: { probeSecondMs: 100, backoffBaseMs: 200 } });
  const objects = kubeObjects(openKube({ kubeconfig: sandbox.sandbox.kubeconfigPath }));
  const engines: EngineProcess[] = [];
  let count = 0;
  return {
    sandbox,
    objects,
    namespace(prefix) {
      const name = `${prefix}-${++count}`;
      sandbox.sandbox.store.create(resourceByPlural('namespaces'), { metadata: { name } } as never);
      return name;
    },
    async engine(env = {}) {
      const engine = await startInitializedEngine(
        {},
        {
          env: {
            KUBECONFIG: sandbox.sandbox.kubeconfigPath,
            KUBECACHEDIR: join(sandbox.stateDir, 'kube-cache'),
            PODLOOP_DEV_READY_TIMEOUT_MS: '20000',
            ...env,
          },
        },
      );
      engines.push(engine);
      return engine;
    },
    async close() {
      await Promise.all(engines.map((engine) => engine.close()));
      await sandbox.close();
    },
  };
}

const webContainer = {
  name: 'web',
  image: 'podloop/web-app',
  ports: [{ containerPort: 8080 }],
  readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
};
// Traps TERM so a rollout does not wait out the grace period (PID 1 ignores signals it has no handler for).
const sidecar = {
  name: 'sidecar',
  image: 'podloop/busybox',
  command: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"],
};

/** A manifest of each kind with two containers; the first is the one dev mode takes. */
export function sampleWorkload(kind: ObjectKind, name: string): Record<string, unknown> {
  const labels = { app: name };
  const spec = { containers: [webContainer, sidecar] };
  const template = { metadata: { labels }, spec };
  switch (kind) {
    case 'Deployment':
      return { metadata: { name }, spec: { replicas: 2, selector: { matchLabels: labels }, template } };
    case 'StatefulSet':
      return {
        metadata: { name },
        spec: { replicas: 1, serviceName: name, selector: { matchLabels: labels }, template },
      };
    case 'DaemonSet':
      return { metadata: { name }, spec: { selector: { matchLabels: labels }, template } };
    case 'Pod':
      return { metadata: { name, labels }, spec };
    case 'Job':
      return {
        metadata: { name },
        spec: { template: { metadata: { labels }, spec: { ...spec, restartPolicy: 'Never' } } },
      };
    case 'CronJob':
      return {
        metadata: { name },
        spec: {
          schedule: '0 3 1 1 *',
          jobTemplate: { spec: { template: { metadata: { labels }, spec: { ...spec, restartPolicy: 'Never' } } } },
        },
      };
    default:
      throw new Error(`no sample for ${kind}`);
  }
}

/**
 * Creates the workload. The sandbox adds a Job's controller-uid template labels on its first update rather than
 * at create, so a Job gets a no-op patch first: the comparison is then about podloop's changes only.
 */
export async function createWorkload(
  objects: KubeObjects,
  kind: ObjectKind,
  namespace: string,
  name: string,
): Promise<void> {
  await objects.create(kind, namespace, sampleWorkload(kind, name), AbortSignal.timeout(10_000));
  if (kind === 'Job') await objects.mergePatch(kind, namespace, name, {}, AbortSignal.timeout(10_000));
}

/** What dev end must give back: the spec and the user's annotations and labels. */
export async function snapshot(objects: KubeObjects, kind: ObjectKind, namespace: string, name: string) {
  const object = (await objects.get(kind, namespace, name, AbortSignal.timeout(10_000))) as {
    metadata: { annotations?: Record<string, string>; labels?: Record<string, string> };
    spec: unknown;
  };
  // The revision annotation belongs to the Deployment controller, which bumps it on every rollout.
  const annotations = Object.fromEntries(
    Object.entries(object.metadata.annotations ?? {}).filter(([key]) => key !== 'deployment.kubernetes.io/revision'),
  );
  return { spec: object.spec, annotations, labels: object.metadata.labels };
}

/** Collects the `$/progress` messages of one token. */
export function progressMessages(connection: MessageConnection, token: string): string[] {
  const messages: string[] = [];
  connection.onProgress(WorkDoneProgress, token, (value: WorkDoneProgressValue) => {
    if (value.kind !== 'end' && value.message !== undefined) messages.push(value.message);
  });
  return messages;
}

/**
 * A project config for the container list of Deployment `shop`; `containerLines` are the list's lines
 * as they would stand at its own indentation (`- name: web`, `  image: ...`).
 */
export function shopConfig(containerLines: readonly string[]): string {
  const header = ['version: 1', 'workloads:', '  - kind: Deployment', '    name: shop', '    containers:'];
  return [...header, ...containerLines.map((line) => `      ${line}`), ''].join('\n');
}

/** Writes `yaml` as the project's .podloop/config.yaml and returns the file's path. */
export function writeProjectConfig(project: string, yaml: string): string {
  mkdirSync(join(project, '.podloop'), { recursive: true });
  const file = join(project, '.podloop', 'config.yaml');
  writeFileSync(file, yaml);
  return file;
}
