// Fixed facts of the sandbox cluster shared by its parts.

/** The sandbox has exactly one node; every pod is scheduled onto it. */
export const NODE_NAME = 'podloop-sandbox';

/** The Kubernetes version the API server reports (kubectl's dispatcher picks its binary from it). */
export const KUBERNETES_VERSION = { major: '1', minor: '33', gitVersion: 'v1.33.1' } as const;

/** Namespaces every cluster starts with. */
export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
