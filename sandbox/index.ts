// Assembles one sandbox cluster in this process: the persisted object store, the initial objects,
// controllers, kubelet and the HTTPS API server, plus the kubeconfig that reaches them.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startControllers, type ControllerOptions } from './controllers/index.js';
import type { PodStreams } from './kubelet/api.js';
import { startKubelet, type KubeletOptions } from './kubelet/kubelet.js';
import { ensureServingMaterial } from './apiserver/certs.js';
import { startApiServer } from './apiserver/server.js';
import { writeKubeconfig } from './kubeconfig.js';
import { loadSnapshot, persistStore } from './store/persist.js';
import { publishApiEndpoints, seedCluster } from './store/seed.js';
import { ObjectStore } from './store/store.js';

export interface SandboxStartOptions {
  stateDir: string;
  /** 0 or missing: any free port. */
  port?: number;
  host?: string;
  /** Start without controllers and kubelet: an API server over the store only. */
  apiOnly?: boolean;
  onError?: (error: unknown, request: { method: string; url: string }) => void;
  /** Interval of watch BOOKMARK events (default about a minute), for tests. */
  bookmarkIntervalMs?: number;
  /** Kubelet tuning (image folders, back-off, probe timing), mostly for tests. */
  kubelet?: Omit<KubeletOptions, 'store' | 'stateDir'>;
  /** Controller tuning and error reporting (clock, Job back-off, onError). */
  controllers?: Omit<ControllerOptions, 'stateDir'>;
  /** Refuse direct SPDY/3.1 port-forward upgrades with 400, as some proxies do (tests of the WebSocket fallback). */
  refuseSpdyPortForward?: boolean;
}

export interface RunningSandbox {
  kubeconfigPath: string;
  /** e.g. https://127.0.0.1:43121 */
  server: string;
  port: number;
  token: string;
  store: ObjectStore;
  /** Whether controllers and kubelet run (not with apiOnly). */
  workloads: boolean;
  /** Flushes the store and stops server, controllers and kubelet (and with it every pod process). */
  stop(): Promise<void>;
}

interface Workloads {
  streams: PodStreams | undefined;
  stop(): Promise<void>;
}

/** Controllers and kubelet: what turns stored workloads into running processes. */
function startWorkloads(store: ObjectStore, stateDir: string, options: SandboxStartOptions): Workloads {
  const controllers = startControllers(store, { ...options.controllers, stateDir });
  const kubelet = startKubelet({ ...options.kubelet, store, stateDir });
  return {
    streams: kubelet,
    async stop() {
      controllers.stop();
      await kubelet.stop();
    },
  };
}

export async function startSandbox(options: SandboxStartOptions): Promise<RunningSandbox> {
  const { stateDir } = options;
  mkdirSync(stateDir, { recursive: true });
  const material = await ensureServingMaterial(stateDir);
  const storeFile = join(stateDir, 'store.json');
  const store = new ObjectStore(loadSnapshot(storeFile));
  const persister = persistStore(store, storeFile);
  const stopSeeding = seedCluster(store);
  const workloads = options.apiOnly
    ? { streams: undefined, stop: async () => undefined }
    : startWorkloads(store, stateDir, options);
  let api;
  try {
    api = await startApiServer({
      store,
      material,
      ...(workloads.streams ? { streams: workloads.streams } : {}),
      ...(options.host ? { host: options.host } : {}),
      ...(options.port ? { port: options.port } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
      ...(options.bookmarkIntervalMs ? { bookmarkIntervalMs: options.bookmarkIntervalMs } : {}),
      ...(options.refuseSpdyPortForward ? { refuseSpdyPortForward: true } : {}),
    });
  } catch (error) {
    stopSeeding();
    await workloads.stop();
    persister.flush();
    throw error;
  }
  publishApiEndpoints(store, api.port);
  const kubeconfigPath = join(stateDir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, { server: api.url, caPem: material.caPem, token: material.token });
  let stopping: Promise<void> | undefined;
  return {
    kubeconfigPath,
    server: api.url,
    port: api.port,
    token: material.token,
    store,
    workloads: workloads.streams !== undefined,
    stop() {
      stopping ??= (async () => {
        await api.close();
        stopSeeding();
        await workloads.stop();
        persister.flush();
      })();
      return stopping;
    },
  };
}
