// Loads the Kubernetes client on first use: it costs more start-up time than the rest of the
// engine together, and many sessions need it only later or never.
export type KubeModule = typeof import('./index.js');

let loading: Promise<KubeModule> | undefined;

export function kubeModule(): Promise<KubeModule> {
  loading ??= import('./index.js');
  return loading;
}
