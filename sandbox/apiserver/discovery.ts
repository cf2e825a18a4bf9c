// Legacy API discovery documents (/api, /apis, /apis/{group}, the APIResourceLists) and /version,
// all derived from the resource registry so a new resource type shows up everywhere at once.

import type { JsonObject } from '../store/objects.js';
import { KUBERNETES_VERSION } from '../store/cluster.js';
import { RESOURCE_TYPES, type ResourceType } from '../store/resources.js';

/** What the streaming and special subresources are, as the real server lists them. */
const SUBRESOURCE_SHAPES: Record<string, { kind: string; verbs: string[]; group?: string; version?: string }> = {
  status: { kind: '', verbs: ['get', 'patch', 'update'] },
  scale: { kind: 'Scale', verbs: ['get', 'patch', 'update'], group: 'autoscaling', version: 'v1' },
  log: { kind: 'Pod', verbs: ['get'] },
  exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
  attach: { kind: 'PodAttachOptions', verbs: ['create', 'get'] },
  portforward: { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
  binding: { kind: 'Binding', verbs: ['create'] },
  eviction: { kind: 'Eviction', verbs: ['create'], group: 'policy', version: 'v1' },
};

export function versionInfo(): JsonObject {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    gitVersion: KUBERNETES_VERSION.gitVersion,
    gitCommit: '8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828',
    gitTreeState: 'clean',
    buildDate: '2025-05-15T08:19:11Z',
    goVersion: 'go1.24.2',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupVersions(group: string): string[] {
  return [...new Set(RESOURCE_TYPES.filter((r) => r.group === group).map((r) => r.version))];
}

function apiGroupBody(group: string): JsonObject {
  const versions = groupVersions(group).map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions, preferredVersion: versions[0]! };
}

export function apiGroupList(): JsonObject {
  const groups = [...new Set(RESOURCE_TYPES.map((r) => r.group).filter((g) => g !== ''))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroupBody) };
}

export function apiGroup(group: string): JsonObject {
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupBody(group) };
}

function resourceEntry(r: ResourceType): JsonObject {
  const entry: JsonObject = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: [...r.verbs],
  };
  if (r.shortNames.length > 0) entry.shortNames = [...r.shortNames];
  if (r.categories.length > 0) entry.categories = [...r.categories];
  return entry;
}

function subresourceEntry(r: ResourceType, sub: string): JsonObject {
  const shape = SUBRESOURCE_SHAPES[sub] ?? { kind: r.kind, verbs: ['get'] };
  const entry: JsonObject = {
    name: `${r.plural}/${sub}`,
    singularName: '',
    namespaced: r.namespaced,
    kind: shape.kind || r.kind,
    verbs: [...shape.verbs],
  };
  if (shape.group) entry.group = shape.group;
  if (shape.version) entry.version = shape.version;
  return entry;
}

export function apiResourceList(group: string, version: string): JsonObject {
  const resources: JsonObject[] = [];
  for (const r of RESOURCE_TYPES.filter((t) => t.group === group && t.version === version)) {
    resources.push(resourceEntry(r));
    for (const sub of r.subresources) resources.push(subresourceEntry(r, sub));
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources,
  };
}

/** The media type of aggregated discovery, which kubectl 1.33 asks /api and /apis for first. */
export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether the Accept header offers aggregated discovery v2 (client-go then skips per-version lists). */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim().toLowerCase());
    return (
      params.includes('g=apidiscovery.k8s.io') && params.includes('v=v2') && params.includes('as=apigroupdiscoverylist')
    );
  });
}

function aggregatedResource(r: ResourceType): JsonObject {
  const entry: JsonObject = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...r.verbs],
  };
  if (r.shortNames.length > 0) entry.shortNames = [...r.shortNames];
  if (r.categories.length > 0) entry.categories = [...r.categories];
  if (r.subresources.length > 0) {
    entry.subresources = r.subresources.map((sub) => {
      const shape = SUBRESOURCE_SHAPES[sub] ?? { kind: r.kind, verbs: ['get'] };
      return {
        subresource: sub,
        responseKind: {
          group: shape.group ?? r.group,
          version: shape.version ?? r.version,
          kind: shape.kind || r.kind,
        },
        verbs: [...shape.verbs],
      };
    });
  }
  return entry;
}

function aggregatedGroup(group: string): JsonObject {
  return {
    metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
    versions: groupVersions(group).map((version) => ({
      version,
      resources: RESOURCE_TYPES.filter((r) => r.group === group && r.version === version).map(aggregatedResource),
      freshness: 'Current',
    })),
  };
}

/** Aggregated discovery: the core group for /api, every named group for /apis. */
export function aggregatedDiscovery(core: boolean): JsonObject {
  const groups = core ? [''] : [...new Set(RESOURCE_TYPES.map((r) => r.group).filter((g) => g !== ''))];
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map(aggregatedGroup),
  };
}
