// What every sandbox cluster holds before anyone uses it: the initial namespaces, the single Node,
// the `kubernetes` Service, the default StorageClass, and a `default` ServiceAccount in every namespace
// (also later ones).

import { hostname } from 'node:os';
import { INITIAL_NAMESPACES, KUBERNETES_VERSION, NODE_NAME } from './cluster.js';
import { ApiError } from './errors.js';
import type { KubeObjectInput } from './objects.js';
import { resourceByPlural } from './resources.js';
import type { ObjectStore } from './store.js';

const NAMESPACES = resourceByPlural('namespaces');
const NODES = resourceByPlural('nodes');
const SERVICE_ACCOUNTS = resourceByPlural('serviceaccounts');
const SERVICES = resourceByPlural('services');
const ENDPOINTS = resourceByPlural('endpoints');
const STORAGE_CLASSES = resourceByPlural('storageclasses');

/** The class claims without a storageClassName get; its volumes are folders in the sandbox's state dir. */
export const DEFAULT_STORAGE_CLASS = 'standard';
export const STORAGE_PROVISIONER = 'podloop.dev/local-dir';

function defaultStorageClass(): KubeObjectInput {
  return {
    metadata: {
      name: DEFAULT_STORAGE_CLASS,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: STORAGE_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  };
}

/** The `kubernetes` Service every cluster has in `default`, naming the API server. */
function kubernetesService(): KubeObjectInput {
  return {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }],
      clusterIP: '10.96.0.1',
      clusterIPs: ['10.96.0.1'],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    },
    status: { loadBalancer: {} },
  };
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function createIfMissing(create: () => void): void {
  try {
    create();
  } catch (error) {
    if (!(error instanceof ApiError && (error.code === 409 || error.code === 403 || error.code === 404))) throw error;
  }
}

/** Only into a cluster without classes: one whose user replaced the default keeps their choice. */
export function ensureStorageClass(store: ObjectStore): void {
  if (store.list(STORAGE_CLASSES).items.length === 0)
    createIfMissing(() => store.create(STORAGE_CLASSES, defaultStorageClass()));
}

function ensureServiceAccount(store: ObjectStore, namespace: string): void {
  if (store.tryGet(SERVICE_ACCOUNTS, namespace, 'default')) return;
  createIfMissing(() => store.create(SERVICE_ACCOUNTS, { metadata: { name: 'default', namespace } }));
}

export function nodeObject(): KubeObjectInput {
  const time = now();
  const condition = (type: string, status: string, reason: string, message: string): Record<string, string> => ({
    type,
    status,
    lastHeartbeatTime: time,
    lastTransitionTime: time,
    reason,
    message,
  });
  const capacity = { cpu: '2', memory: '4Gi', pods: '110', 'ephemeral-storage': '20Gi' };
  return {
    metadata: {
      name: NODE_NAME,
      labels: {
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': '',
      },
    },
    spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
    status: {
      capacity,
      allocatable: capacity,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: NODE_NAME },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: `podloop sandbox on ${hostname()}`,
        containerRuntimeVersion: 'podloop://0.1.0',
        kubeletVersion: KUBERNETES_VERSION.gitVersion,
        kubeProxyVersion: KUBERNETES_VERSION.gitVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

/**
 * Creates the initial objects that are missing and keeps `default` ServiceAccounts coming for
 * new namespaces. Returns the function that stops the latter.
 */
export function seedCluster(store: ObjectStore): () => void {
  for (const name of INITIAL_NAMESPACES) {
    if (!store.tryGet(NAMESPACES, undefined, name)) {
      createIfMissing(() =>
        store.create(NAMESPACES, {
          metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
          spec: { finalizers: ['kubernetes'] },
          status: { phase: 'Active' },
        }),
      );
    }
  }
  if (!store.tryGet(SERVICES, 'default', 'kubernetes'))
    createIfMissing(() => store.create(SERVICES, kubernetesService()));
  ensureStorageClass(store);
  const node = store.tryGet(NODES, undefined, NODE_NAME);
  if (!node) store.create(NODES, nodeObject());
  else store.update(NODES, { ...node, status: nodeObject().status }, { subresource: 'status' });
  for (const ns of store.list(NAMESPACES).items) {
    if (!ns.metadata.deletionTimestamp) ensureServiceAccount(store, ns.metadata.name);
  }
  return store.watch(NAMESPACES, (event) => {
    if (event.type !== 'ADDED') return;
    // Not inside the store's notification: the write would interleave with the one being reported.
    queueMicrotask(() => ensureServiceAccount(store, event.object.metadata.name));
  });
}

/** Points the `kubernetes` Service's Endpoints at the API server, as kube-apiserver does itself. */
export function publishApiEndpoints(store: ObjectStore, port: number): void {
  const subsets = [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }];
  const labels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
  const existing = store.tryGet(ENDPOINTS, 'default', 'kubernetes');
  if (!existing) {
    createIfMissing(() =>
      store.create(ENDPOINTS, { metadata: { name: 'kubernetes', namespace: 'default', labels }, subsets }),
    );
  } else if (JSON.stringify(existing.subsets) !== JSON.stringify(subsets)) {
    store.update(ENDPOINTS, { ...existing, subsets });
  }
}
