// Writes the kubeconfig that reaches a sandbox: its CA, its server URL and its bearer token,
// under the cluster, user and context name `podloop-sandbox`.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import YAML from 'yaml';

export const SANDBOX_CONTEXT = 'podloop-sandbox';

export interface KubeconfigInput {
  server: string;
  caPem: string;
  token: string;
  namespace?: string;
}

export function kubeconfigText(input: KubeconfigInput): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: SANDBOX_CONTEXT,
        cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.caPem).toString('base64') },
      },
    ],
    users: [{ name: SANDBOX_CONTEXT, user: { token: input.token } }],
    contexts: [
      {
        name: SANDBOX_CONTEXT,
        context: { cluster: SANDBOX_CONTEXT, user: SANDBOX_CONTEXT, namespace: input.namespace ?? 'default' },
      },
    ],
    'current-context': SANDBOX_CONTEXT,
    preferences: {},
  });
}

/** Writes the kubeconfig (mode 0600: it holds the token). */
export function writeKubeconfig(path: string, input: KubeconfigInput): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, kubeconfigText(input), { mode: 0o600 });
  chmodSync(path, 0o600);
}
