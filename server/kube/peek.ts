// Reads just the current context and its namespace from the kubeconfig, cheaply (no Kubernetes
// client), so initialize answers fast; the full client loads on first cluster request.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { parse } from 'yaml';

/** The kubeconfig files to read: an explicit path, else $KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigPaths(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (explicit !== undefined && explicit !== '') return [resolve(explicit)];
  const fromEnv = env.KUBECONFIG;
  if (fromEnv !== undefined && fromEnv !== '')
    return fromEnv
      .split(delimiter)
      .filter((path) => path !== '')
      .map((path) => resolve(path));
  return [join(homedir(), '.kube', 'config')];
}

export interface KubeconfigPeek {
  context?: string;
  namespace?: string;
}

/** Context and namespace the target selects; empty when no kubeconfig can be read. */
export function peekKubeconfig(target: { kubeconfig?: string; context?: string }): KubeconfigPeek {
  let current: string | undefined;
  const namespaces = new Map<string, string | undefined>();
  for (const path of kubeconfigPaths(target.kubeconfig)) {
    if (!existsSync(path)) continue;
    let document: unknown;
    try {
      document = parse(readFileSync(path, 'utf8'));
    } catch {
      continue;
    }
    if (typeof document !== 'object' || document === null) continue;
    const config = document as { 'current-context'?: unknown; contexts?: unknown };
    if (current === undefined && typeof config['current-context'] === 'string' && config['current-context'] !== '')
      current = config['current-context'];
    for (const entry of Array.isArray(config.contexts) ? (config.contexts as unknown[]) : []) {
      if (typeof entry !== 'object' || entry === null) continue;
      const { name, context } = entry as { name?: unknown; context?: { namespace?: unknown } };
      if (typeof name !== 'string' || namespaces.has(name)) continue;
      namespaces.set(name, typeof context?.namespace === 'string' ? context.namespace : undefined);
    }
  }
  const context = target.context !== undefined && target.context !== '' ? target.context : current;
  if (context === undefined) return {};
  const namespace = namespaces.get(context);
  return { context, ...(namespace !== undefined ? { namespace } : {}) };
}
