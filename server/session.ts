// One engine's state: identity, lifecycle phase, the kube context chosen at initialize, and the
// cleanups that shutdown runs. Capability services keep their own state and register a cleanup.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClientCapabilities } from '../protocol/lifecycle.js';
import type { Kube, KubeTarget } from './kube/index.js';
import { kubeModule } from './kube/lazy.js';
import { peekKubeconfig } from './kube/peek.js';

export type SessionPhase = 'uninitialized' | 'running' | 'shutdown';

export interface Session {
  /** Stable for the life of the process: host, pid and a random suffix; the dev-mode lease holder. */
  readonly engineId: string;
  phase: SessionPhase;
  kubeTarget: KubeTarget;
  /** Namespace from initialize, if the client set one. */
  namespace: string | undefined;
  workspaceFolder: string | undefined;
  clientCapabilities: ClientCapabilities;
  /** Loads the kubeconfig on first use (InvalidConfig when missing); cached afterwards. */
  kube(): Promise<Kube>;
  /** The context the kubeconfig selects, read cheaply; undefined without a kubeconfig. */
  contextName(): string | undefined;
  /** The namespace a request means when it names none. */
  defaultNamespace(): string;
  /** Registers work to undo at shutdown (streams, forwards, syncs); run in reverse order. */
  onDispose(cleanup: () => Promise<void> | void): void;
  /** Runs every cleanup once; idempotent. */
  dispose(): Promise<void>;
}

export function newEngineId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function createSession(engineId: string = newEngineId()): Session {
  let kube: Promise<Kube> | undefined;
  let peeked: { target: string; result: ReturnType<typeof peekKubeconfig> } | undefined;
  const peek = () => {
    const target = JSON.stringify(session.kubeTarget);
    if (peeked?.target !== target) peeked = { target, result: peekKubeconfig(session.kubeTarget) };
    return peeked.result;
  };
  const cleanups: (() => Promise<void> | void)[] = [];
  let disposing: Promise<void> | undefined;
  const session: Session = {
    engineId,
    phase: 'uninitialized',
    kubeTarget: {},
    namespace: undefined,
    workspaceFolder: undefined,
    clientCapabilities: {},
    kube() {
      const target = session.kubeTarget;
      kube ??= kubeModule().then((module) => module.openKube(target));
      // A missing kubeconfig may appear later (e.g. after sandbox/up): do not cache the failure.
      kube.catch(() => {
        kube = undefined;
      });
      return kube;
    },
    contextName() {
      return peek().context;
    },
    defaultNamespace() {
      return session.namespace ?? peek().namespace ?? 'default';
    },
    onDispose(cleanup) {
      cleanups.push(cleanup);
    },
    dispose() {
      disposing ??= (async () => {
        for (const cleanup of cleanups.reverse()) {
          try {
            await cleanup();
          } catch {
            // one failed cleanup must not stop the others
          }
        }
      })();
      return disposing;
    },
  };
  return session;
}
