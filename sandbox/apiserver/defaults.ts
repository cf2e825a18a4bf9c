// Server-side defaulting of written objects, as a real API server does it on create and update: the
// fields `-o yaml` shows on a real cluster. Validation (validateObject) is re-exported from schema/.

import { createHash } from 'node:crypto';
import { isJsonObject, type JsonObject, type JsonValue, type KubeObjectInput } from '../store/objects.js';
import type { ResourceType } from '../store/resources.js';

export { validateObject, type FieldValidation } from './schema/validate.js';

/** Mutates `object`, adding the server-side defaults of its kind. Idempotent. */
export function applyDefaults(resource: ResourceType, object: KubeObjectInput): void {
  const target = object as JsonObject;
  const hadSpec = target.spec !== undefined;
  const spec = child(target, 'spec');
  switch (resource.kind) {
    case 'Pod':
      defaultPod(target, spec);
      break;
    case 'Deployment':
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'progressDeadlineSeconds', 600);
      defaultStrategy(spec, 'strategy', {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
      });
      defaultTemplate(spec);
      break;
    case 'ReplicaSet':
      setDefault(spec, 'replicas', 1);
      defaultTemplate(spec);
      break;
    case 'StatefulSet':
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'podManagementPolicy', 'OrderedReady');
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
      defaultStrategy(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
      for (const claim of list(spec.volumeClaimTemplates)) {
        if (isJsonObject(claim)) setDefault(child(claim, 'spec'), 'volumeMode', 'Filesystem');
      }
      defaultTemplate(spec);
      break;
    case 'DaemonSet':
      setDefault(spec, 'revisionHistoryLimit', 10);
      defaultStrategy(spec, 'updateStrategy', {
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
      });
      defaultTemplate(spec);
      break;
    case 'Job':
      defaultJob(target, spec);
      break;
    case 'CronJob':
      setDefault(spec, 'concurrencyPolicy', 'Allow');
      setDefault(spec, 'suspend', false);
      setDefault(spec, 'successfulJobsHistoryLimit', 3);
      setDefault(spec, 'failedJobsHistoryLimit', 1);
      defaultTemplate(child(child(spec, 'jobTemplate'), 'spec'));
      break;
    case 'Service':
      defaultService(target, spec);
      break;
    case 'Secret':
      defaultSecret(target);
      break;
    case 'Namespace': {
      const name = child(target, 'metadata').name;
      if (typeof name === 'string') child(child(target, 'metadata'), 'labels')['kubernetes.io/metadata.name'] = name;
      setDefault(spec, 'finalizers', ['kubernetes']);
      setDefault(child(target, 'status'), 'phase', 'Active');
      break;
    }
    case 'Endpoints':
      for (const subset of list(target.subsets)) {
        for (const port of isJsonObject(subset) ? list(subset.ports) : [])
          if (isJsonObject(port)) setDefault(port, 'protocol', 'TCP');
      }
      break;
    case 'PersistentVolumeClaim':
      setDefault(spec, 'volumeMode', 'Filesystem');
      setDefault(child(target, 'status'), 'phase', 'Pending');
      break;
    case 'StorageClass':
      setDefault(target, 'reclaimPolicy', 'Delete');
      setDefault(target, 'volumeBindingMode', 'Immediate');
      break;
    case 'HorizontalPodAutoscaler':
      setDefault(spec, 'minReplicas', 1);
      if (list(spec.metrics).length === 0) {
        spec.metrics = [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
        ];
      }
      break;
  }
  // Kinds that have no spec must not gain an empty one.
  if (!hadSpec && Object.keys(spec).length === 0) delete target.spec;
}

function child(parent: JsonObject, key: string): JsonObject {
  const existing = parent[key];
  if (isJsonObject(existing)) return existing;
  // A value of the wrong type stays as sent so validation reports it; defaults go nowhere.
  if (existing !== undefined && existing !== null) return {};
  const created: JsonObject = {};
  parent[key] = created;
  return created;
}

function list(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

function setDefault(target: JsonObject, key: string, value: JsonValue): void {
  if (target[key] === undefined || target[key] === null) target[key] = structuredClone(value);
}

function defaultStrategy(spec: JsonObject, key: string, value: JsonObject): void {
  const strategy = child(spec, key);
  setDefault(strategy, 'type', value.type ?? null);
  if (strategy.type === value.type) {
    const rolling = child(strategy, 'rollingUpdate');
    for (const [field, fallback] of Object.entries(isJsonObject(value.rollingUpdate) ? value.rollingUpdate : {})) {
      setDefault(rolling, field, fallback);
    }
  }
}

function defaultTemplate(spec: JsonObject): void {
  defaultPodSpec(child(child(spec, 'template'), 'spec'));
}

/** SetDefaults_PodSpec and the container defaults: what every pod template gets. */
function defaultPodSpec(spec: JsonObject): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const group of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const container of list(spec[group])) if (isJsonObject(container)) defaultContainer(container);
  }
  for (const volume of list(spec.volumes)) {
    if (!isJsonObject(volume)) continue;
    for (const source of ['configMap', 'secret']) {
      if (isJsonObject(volume[source])) setDefault(volume[source] as JsonObject, 'defaultMode', 420);
    }
    if (isJsonObject(volume.downwardAPI)) setDefault(volume.downwardAPI, 'defaultMode', 420);
    if (isJsonObject(volume.projected)) setDefault(volume.projected, 'defaultMode', 420);
    if (isJsonObject(volume.hostPath)) setDefault(volume.hostPath, 'type', '');
  }
}

function defaultContainer(container: JsonObject): void {
  setDefault(container, 'imagePullPolicy', pullPolicyFor(container.image));
  setDefault(container, 'terminationMessagePath', '/dev/termination-log');
  setDefault(container, 'terminationMessagePolicy', 'File');
  setDefault(container, 'resources', {});
  for (const port of list(container.ports)) if (isJsonObject(port)) setDefault(port, 'protocol', 'TCP');
  for (const env of list(container.env)) {
    const fieldRef = isJsonObject(env) && isJsonObject(env.valueFrom) ? env.valueFrom.fieldRef : undefined;
    if (isJsonObject(fieldRef)) setDefault(fieldRef, 'apiVersion', 'v1');
  }
  for (const name of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = container[name];
    if (!isJsonObject(probe)) continue;
    setDefault(probe, 'timeoutSeconds', 1);
    setDefault(probe, 'periodSeconds', 10);
    setDefault(probe, 'successThreshold', 1);
    setDefault(probe, 'failureThreshold', 3);
    if (isJsonObject(probe.httpGet)) {
      setDefault(probe.httpGet, 'scheme', 'HTTP');
      setDefault(probe.httpGet, 'path', '/');
    }
  }
  const lifecycle = container.lifecycle;
  if (isJsonObject(lifecycle)) {
    for (const hook of ['postStart', 'preStop']) {
      const handler = lifecycle[hook];
      if (isJsonObject(handler) && isJsonObject(handler.httpGet)) setDefault(handler.httpGet, 'scheme', 'HTTP');
    }
  }
}

/** Always for `:latest` or an untagged image, otherwise IfNotPresent (digests count as tagged). */
export function pullPolicyFor(image: JsonValue | undefined): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultPod(pod: JsonObject, spec: JsonObject): void {
  defaultPodSpec(spec);
  setDefault(spec, 'enableServiceLinks', true);
  setDefault(spec, 'serviceAccountName', typeof spec.serviceAccount === 'string' ? spec.serviceAccount : 'default');
  setDefault(spec, 'serviceAccount', spec.serviceAccountName ?? 'default');
  setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tolerations.some((t) => isJsonObject(t) && t.key === key)) {
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    }
  }
  spec.tolerations = tolerations;
  for (const container of [...list(spec.initContainers), ...list(spec.containers)]) {
    if (!isJsonObject(container) || !isJsonObject(container.resources)) continue;
    // Limits without requests imply requests equal to the limits.
    const { limits } = container.resources;
    if (isJsonObject(limits)) {
      const requests = child(container.resources, 'requests');
      for (const [name, value] of Object.entries(limits)) setDefault(requests, name, value);
    }
  }
  const status = child(pod, 'status');
  setDefault(status, 'phase', 'Pending');
  setDefault(status, 'qosClass', qosClassOf(spec));
}

function qosClassOf(spec: JsonObject): string {
  const containers = [...list(spec.initContainers), ...list(spec.containers)].filter(isJsonObject);
  let anyResources = false;
  let guaranteed = containers.length > 0;
  for (const container of containers) {
    const resources = isJsonObject(container.resources) ? container.resources : {};
    const limits = isJsonObject(resources.limits) ? resources.limits : {};
    const requests = isJsonObject(resources.requests) ? resources.requests : {};
    if (Object.keys(limits).length > 0 || Object.keys(requests).length > 0) anyResources = true;
    for (const name of ['cpu', 'memory']) {
      if (limits[name] === undefined || String(limits[name]) !== String(requests[name] ?? limits[name]))
        guaranteed = false;
    }
  }
  if (!anyResources) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function defaultJob(job: JsonObject, spec: JsonObject): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  setDefault(spec, 'manualSelector', false);
  const metadata = child(job, 'metadata');
  const template = child(spec, 'template');
  if (spec.manualSelector !== true && typeof metadata.name === 'string') {
    // The real server keys the selector on the job's uid; before the store assigns one the name stands in.
    const labels = child(child(template, 'metadata'), 'labels');
    const identity: JsonObject =
      typeof metadata.uid === 'string'
        ? { 'batch.kubernetes.io/controller-uid': metadata.uid }
        : { 'batch.kubernetes.io/job-name': metadata.name };
    setDefault(labels, 'batch.kubernetes.io/job-name', metadata.name);
    setDefault(labels, 'job-name', metadata.name);
    if (typeof metadata.uid === 'string') {
      setDefault(labels, 'batch.kubernetes.io/controller-uid', metadata.uid);
      setDefault(labels, 'controller-uid', metadata.uid);
    }
    setDefault(spec, 'selector', { matchLabels: identity });
  }
  defaultPodSpec(child(template, 'spec'));
}

function defaultService(service: JsonObject, spec: JsonObject): void {
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  const type = spec.type;
  for (const port of list(spec.ports)) {
    if (!isJsonObject(port)) continue;
    setDefault(port, 'protocol', 'TCP');
    setDefault(port, 'targetPort', port.port ?? null);
    if ((type === 'NodePort' || type === 'LoadBalancer') && !port.nodePort) {
      port.nodePort = nodePortFor(service, String(port.port ?? ''));
    }
  }
  if (type === 'ExternalName') return;
  const metadata = child(service, 'metadata');
  if (spec.clusterIP === undefined || spec.clusterIP === '') {
    spec.clusterIP = clusterIpFor(
      String(metadata.namespace ?? 'default'),
      String(metadata.name ?? metadata.generateName ?? ''),
    );
  }
  setDefault(spec, 'clusterIPs', [spec.clusterIP as string]);
  setDefault(spec, 'ipFamilies', ['IPv4']);
  setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
  setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'NodePort' || type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (type === 'LoadBalancer') setDefault(child(service, 'status'), 'loadBalancer', {});
}

function hashNumber(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/**
 * A stable address in 10.96.0.0/12 derived from the service's identity: displayed like a real
 * cluster's, never dialled. 10.96.0.1 and 10.96.0.10 stay free as on a real cluster.
 */
export function clusterIpFor(namespace: string, name: string): string {
  const offset = 11 + (hashNumber(`${namespace}/${name}`) % (2 ** 20 - 12));
  return `10.${96 + (offset >>> 16)}.${(offset >>> 8) & 0xff}.${offset & 0xff}`;
}

function nodePortFor(service: JsonObject, port: string): number {
  const metadata = isJsonObject(service.metadata) ? service.metadata : {};
  return 30000 + (hashNumber(`${String(metadata.namespace)}/${String(metadata.name)}:${port}`) % 2768);
}

function defaultSecret(secret: JsonObject): void {
  setDefault(secret, 'type', 'Opaque');
  const stringData = secret.stringData;
  if (isJsonObject(stringData)) {
    const data = child(secret, 'data');
    for (const [key, value] of Object.entries(stringData)) {
      if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
    }
    delete secret.stringData;
  }
}
