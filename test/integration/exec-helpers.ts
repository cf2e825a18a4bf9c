// Shared setup for the logs, port-forward, exec, run and debug tests: a sandbox with workloads
// from the shipped images, an initialized engine pointed at it, and pod queries on the store.
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { startInitializedEngine } from '../helpers/engine.js';
import type { EngineProcess } from '../helpers/engine.js';
import { startTestSandbox, waitFor } from '../helpers/sandbox.js';
import type { TestSandbox } from '../helpers/sandbox.js';
import type { SandboxStartOptions } from '../../sandbox/index.js';

export interface Cluster {
  sandbox: TestSandbox;
  engine: EngineProcess;
  namespace: string;
  /** Names of the namespace's pods that run and are Ready, not being deleted. */
  readyPods(label: string): string[];
  /** Waits for a Ready pod of `app=label` other than `except`; returns its name. */
  waitForReadyPod(label: string, except?: string): Promise<string>;
  deletePod(name: string): void;
  close(): Promise<void>;
}

type Fields = Record<string, unknown>;

export function deployment(name: string, container: Fields, extra: Fields = {}): Fields {
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', ...container }], ...extra },
      },
    },
  };
}

export const webApp = (name = 'web'): Fields =>
  deployment(name, {
    image: 'podloop/web-app:1.0',
    readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
  });

export interface ClusterOptions {
  /** Extra engine environment, e.g. PODLOOP_LOG_LEVEL. */
  engineEnv?: NodeJS.ProcessEnv;
  /** Extra sandbox options, e.g. refuseSpdyPortForward. */
  sandbox?: Omit<SandboxStartOptions, 'stateDir' | 'port' | 'kubelet'>;
}

export async function startCluster(
  namespace: string,
  deployments: Fields[],
  kubelet: { backoffBaseMs?: number } = {},
  options: ClusterOptions = {},
): Promise<Cluster> {
  const sandbox = await startTestSandbox({ ...options.sandbox, port: 0, kubelet });
  const store = sandbox.sandbox.store;
  store.create(resourceByPlural('namespaces'), { metadata: { name: namespace } } as never);
  for (const object of deployments) {
    const metadata = { ...(object.metadata as Fields), namespace };
    store.create(resourceByPlural('deployments'), { ...object, metadata } as never);
  }
  const pods = resourceByPlural('pods');
  const readyPods = (label: string): string[] =>
    store
      .list(pods, { namespace })
      .items.filter((pod) => {
        const fields = pod as unknown as {
          metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string };
          status?: { phase?: string; conditions?: { type: string; status: string }[] };
        };
        return (
          fields.metadata.labels?.app === label &&
          fields.metadata.deletionTimestamp === undefined &&
          fields.status?.phase === 'Running' &&
          fields.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
        );
      })
      .map((pod) => (pod as unknown as { metadata: { name: string } }).metadata.name);
  let engine: EngineProcess;
  try {
    engine = await startInitializedEngine(
      { kubeconfig: sandbox.sandbox.kubeconfigPath, namespace },
      options.engineEnv ? { env: options.engineEnv } : {},
    );
  } catch (error) {
    await sandbox.close();
    throw error;
  }
  return {
    sandbox,
    engine,
    namespace,
    readyPods,
    waitForReadyPod: (label, except) =>
      waitFor(`a ready ${label} pod`, () => readyPods(label).find((name) => name !== except), 30_000),
    deletePod: (name) => void store.delete(pods, namespace, name),
    async close() {
      await engine.close();
      await sandbox.close();
    },
  };
}
