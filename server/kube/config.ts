// Finding and loading kubeconfigs: an explicit path, else $KUBECONFIG, else ~/.kube/config.
// Never falls back to in-cluster or localhost defaults: a missing kubeconfig is InvalidConfig.
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { InvalidConfigData } from '../../protocol/errors.js';
import type { ClusterContextsResult } from '../../protocol/cluster.js';
import { kubeconfigPaths } from './peek.js';

export interface KubeTarget {
  /** Explicit kubeconfig path. */
  kubeconfig?: string;
  /** Context to use instead of the current one. */
  context?: string;
}

function invalidConfig(message: string, source: string): ResponseError<InvalidConfigData> {
  return new ResponseError(ErrorCodes.InvalidConfig, message, { source });
}

/** Loads the kubeconfig and selects the context; throws InvalidConfig with a message that says what to do. */
export function loadKubeConfig(target: KubeTarget): KubeConfig {
  const paths = kubeconfigPaths(target.kubeconfig);
  const existing = paths.filter((path) => existsSync(path));
  const source = paths.join(delimiter);
  if (existing.length === 0) {
    throw invalidConfig(
      `No kubeconfig found at ${source}; pass --kubeconfig, set KUBECONFIG, or run 'podloop sandbox up'`,
      source,
    );
  }
  const config = new KubeConfig();
  try {
    for (const [index, path] of existing.entries()) {
      if (index === 0) {
        config.loadFromFile(path);
      } else {
        const extra = new KubeConfig();
        extra.loadFromFile(path);
        config.mergeConfig(extra, true);
      }
    }
  } catch (error) {
    throw invalidConfig(
      `Cannot read kubeconfig ${source}: ${error instanceof Error ? error.message : String(error)}`,
      source,
    );
  }
  if (target.context !== undefined && target.context !== '') {
    if (config.getContextObject(target.context) === null) {
      const names = config.getContexts().map((context) => context.name);
      throw invalidConfig(
        `Context '${target.context}' is not in ${source}; its contexts are: ${names.join(', ') || '(none)'}`,
        source,
      );
    }
    config.setCurrentContext(target.context);
  }
  return config;
}

export function listContexts(target: KubeTarget): ClusterContextsResult {
  const config = loadKubeConfig({ ...(target.kubeconfig !== undefined ? { kubeconfig: target.kubeconfig } : {}) });
  const current = config.getCurrentContext();
  return {
    kubeconfig: kubeconfigPaths(target.kubeconfig).join(delimiter),
    ...(current ? { currentContext: current } : {}),
    ...(target.context ? { activeContext: target.context } : current ? { activeContext: current } : {}),
    contexts: config.getContexts().map((context) => ({
      name: context.name,
      cluster: context.cluster,
      server: config.getCluster(context.cluster)?.server ?? '',
      user: context.user,
      ...(context.namespace !== undefined ? { namespace: context.namespace } : {}),
    })),
  };
}

/** The API server URL of the selected context, for messages. */
export function serverOf(config: KubeConfig): string {
  return config.getCurrentCluster()?.server ?? '(no cluster)';
}

/** The namespace of the selected context, if it names one. */
export function namespaceOf(config: KubeConfig): string | undefined {
  const context = config.getContextObject(config.getCurrentContext());
  return context?.namespace;
}
