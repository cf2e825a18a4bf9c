// The Endpoints controller: for every Service with a selector, an Endpoints object of the same
// name listing its pods' IPs (ready in `addresses`, others in `notReadyAddresses`) per port set.

import type { KubeObject } from '../store/objects.js';
import { labelSelectorMatcher } from '../store/selectors.js';
import { ENDPOINTS, PODS, SERVICES, type ControllerContext } from './context.js';
import {
  isPodFinished,
  isPodReady,
  objectKey,
  specOf,
  splitKey,
  statusOf,
  toJson,
  type PodSpec,
  type PodStatus,
} from './objects.js';
import type { Controller } from './queue.js';

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

interface ServiceSpec {
  selector?: Record<string, string>;
  ports?: ServicePort[];
  type?: string;
  publishNotReadyAddresses?: boolean;
}

interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** The container port a service port reaches on one pod, or undefined when a named port is missing. */
function resolvePort(port: ServicePort, pod: KubeObject): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const container of specOf<PodSpec>(pod).containers ?? []) {
    for (const p of container.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP')) return p.containerPort;
    }
  }
  return undefined;
}

/** Groups a service's pods into Endpoints subsets by the ports they expose (pure). */
export function planEndpoints(service: KubeObject, pods: KubeObject[]): EndpointSubset[] {
  const spec = specOf<ServiceSpec>(service);
  const selects = labelSelectorMatcher(toJson({ matchLabels: spec.selector ?? {} }));
  const groups = new Map<string, EndpointSubset>();
  for (const pod of pods) {
    const status = statusOf<PodStatus>(pod);
    if (!status.podIP || pod.metadata.deletionTimestamp || isPodFinished(pod) || !selects(pod.metadata.labels))
      continue;
    const ports: EndpointPort[] = [];
    for (const port of spec.ports ?? []) {
      const resolved = resolvePort(port, pod);
      if (resolved === undefined) continue;
      ports.push({
        ...(port.name ? { name: port.name } : {}),
        port: resolved,
        protocol: port.protocol ?? 'TCP',
        ...(port.appProtocol ? { appProtocol: port.appProtocol } : {}),
      });
    }
    if ((spec.ports ?? []).length > 0 && ports.length === 0) continue;
    const podSpec = specOf<PodSpec>(pod);
    const address: EndpointAddress = {
      ip: status.podIP,
      ...(podSpec.hostname && podSpec.subdomain === service.metadata.name ? { hostname: podSpec.hostname } : {}),
      ...(podSpec.nodeName ? { nodeName: podSpec.nodeName } : {}),
      targetRef: {
        kind: 'Pod',
        namespace: pod.metadata.namespace ?? '',
        name: pod.metadata.name,
        uid: pod.metadata.uid,
      },
    };
    const key = JSON.stringify(ports);
    const subset = groups.get(key) ?? { ...(ports.length > 0 ? { ports } : {}) };
    const ready = isPodReady(pod) || spec.publishNotReadyAddresses === true;
    if (ready) subset.addresses = [...(subset.addresses ?? []), address];
    else subset.notReadyAddresses = [...(subset.notReadyAddresses ?? []), address];
    groups.set(key, subset);
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress): number => a.ip.localeCompare(b.ip, 'en', { numeric: true });
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, subset]) => ({
      ...(subset.addresses ? { addresses: subset.addresses.sort(byIp) } : {}),
      ...(subset.notReadyAddresses ? { notReadyAddresses: subset.notReadyAddresses.sort(byIp) } : {}),
      ...(subset.ports ? { ports: subset.ports } : {}),
    }));
}

function managed(service: KubeObject): boolean {
  const spec = specOf<ServiceSpec>(service);
  return spec.type !== 'ExternalName' && spec.selector !== undefined && Object.keys(spec.selector).length > 0;
}

export function endpointsController(ctx: ControllerContext): Controller {
  const { store } = ctx;
  const keyOf = (o: KubeObject): string => objectKey(o.metadata.namespace, o.metadata.name);
  return {
    name: 'endpoints',
    watches: [
      { resource: SERVICES, keysFor: (event) => [keyOf(event.object)] },
      // Any pod change may move it in or out of a service; services per namespace are few.
      {
        resource: PODS,
        keysFor: (event) => store.list(SERVICES, { namespace: event.object.metadata.namespace }).items.map(keyOf),
      },
    ],
    initialKeys: () => store.list(SERVICES).items.map(keyOf),
    reconcile(key) {
      const { namespace, name } = splitKey(key);
      const service = store.tryGet(SERVICES, namespace, name);
      const existing = store.tryGet(ENDPOINTS, namespace, name);
      if (!service) {
        if (existing) store.delete(ENDPOINTS, namespace, name);
        return;
      }
      if (!managed(service)) return;
      const subsets = planEndpoints(service, store.list(PODS, { namespace }).items);
      const labels = { ...(service.metadata.labels ?? {}) };
      if (!existing) {
        store.create(ENDPOINTS, {
          metadata: { name, namespace, labels },
          ...(subsets.length > 0 ? { subsets: toJson(subsets) } : {}),
        });
        return;
      }
      const next: KubeObject = { ...existing, metadata: { ...existing.metadata, labels } };
      if (subsets.length > 0) next.subsets = toJson(subsets);
      else delete next.subsets;
      store.update(ENDPOINTS, next);
    },
  };
}
