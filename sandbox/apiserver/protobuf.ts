// Decodes the Kubernetes protobuf encoding of request bodies into JSON objects. kubectl's typed
// clients (`kubectl create configmap|secret|namespace|deployment|job|...`) send only protobuf, so
// the kinds and fields those commands produce are described here; other kinds get a 415.

import { ApiError, badRequest } from '../store/errors.js';
import type { JsonObject, JsonValue, KubeObjectInput } from '../store/objects.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/**
 * Field kinds: s string, i integer, I integer omitted when 0, b bool, B bool omitted when false,
 * y bytes (base64 in JSON), t Time, q Quantity, x IntOrString, ms map<string,string>,
 * my map<string,bytes>, mq map<string,Quantity>; anything else names a message. A trailing `[]`
 * marks a repeated field; `-` drops the field (status, which clients cannot set on create).
 */
type FieldSpec = readonly [json: string, kind: string];
type MessageSpec = Readonly<Record<number, FieldSpec>>;

const MESSAGES: Readonly<Record<string, MessageSpec>> = {
  ObjectMeta: {
    1: ['name', 's'],
    2: ['generateName', 's'],
    3: ['namespace', 's'],
    5: ['uid', 's'],
    6: ['resourceVersion', 's'],
    7: ['generation', 'I'],
    8: ['creationTimestamp', 't'],
    9: ['deletionTimestamp', 't'],
    10: ['deletionGracePeriodSeconds', 'i'],
    11: ['labels', 'ms'],
    12: ['annotations', 'ms'],
    13: ['ownerReferences', 'OwnerReference[]'],
    14: ['finalizers', 's[]'],
  },
  OwnerReference: {
    1: ['kind', 's'],
    3: ['name', 's'],
    4: ['uid', 's'],
    5: ['apiVersion', 's'],
    6: ['controller', 'b'],
    7: ['blockOwnerDeletion', 'b'],
  },
  LabelSelector: { 1: ['matchLabels', 'ms'], 2: ['matchExpressions', 'LabelSelectorRequirement[]'] },
  LabelSelectorRequirement: { 1: ['key', 's'], 2: ['operator', 's'], 3: ['values', 's[]'] },
  LocalObjectReference: { 1: ['name', 's'] },
  ObjectReference: {
    1: ['kind', 's'],
    2: ['namespace', 's'],
    3: ['name', 's'],
    4: ['uid', 's'],
    5: ['apiVersion', 's'],
    6: ['resourceVersion', 's'],
    7: ['fieldPath', 's'],
  },
  ConfigMap: { 1: ['metadata', 'ObjectMeta'], 2: ['data', 'ms'], 3: ['binaryData', 'my'], 4: ['immutable', 'b'] },
  Secret: {
    1: ['metadata', 'ObjectMeta'],
    2: ['data', 'my'],
    3: ['type', 's'],
    4: ['stringData', 'ms'],
    5: ['immutable', 'b'],
  },
  Namespace: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'NamespaceSpec'], 3: ['status', '-'] },
  NamespaceSpec: { 1: ['finalizers', 's[]'] },
  ServiceAccount: {
    1: ['metadata', 'ObjectMeta'],
    2: ['secrets', 'ObjectReference[]'],
    3: ['imagePullSecrets', 'LocalObjectReference[]'],
    4: ['automountServiceAccountToken', 'b'],
  },
  Service: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'ServiceSpec'], 3: ['status', '-'] },
  ServiceSpec: {
    1: ['ports', 'ServicePort[]'],
    2: ['selector', 'ms'],
    3: ['clusterIP', 's'],
    4: ['type', 's'],
    5: ['externalIPs', 's[]'],
    7: ['sessionAffinity', 's'],
    8: ['loadBalancerIP', 's'],
    9: ['loadBalancerSourceRanges', 's[]'],
    10: ['externalName', 's'],
    11: ['externalTrafficPolicy', 's'],
    12: ['healthCheckNodePort', 'I'],
    13: ['publishNotReadyAddresses', 'B'],
    17: ['ipFamilyPolicy', 's'],
    18: ['clusterIPs', 's[]'],
    19: ['ipFamilies', 's[]'],
    20: ['allocateLoadBalancerNodePorts', 'b'],
    21: ['loadBalancerClass', 's'],
    22: ['internalTrafficPolicy', 's'],
  },
  ServicePort: {
    1: ['name', 's'],
    2: ['protocol', 's'],
    3: ['port', 'i'],
    4: ['targetPort', 'x'],
    5: ['nodePort', 'I'],
    6: ['appProtocol', 's'],
  },
  Pod: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'PodSpec'], 3: ['status', '-'] },
  PodTemplateSpec: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'PodSpec'] },
  PodSpec: {
    2: ['containers', 'Container[]'],
    3: ['restartPolicy', 's'],
    4: ['terminationGracePeriodSeconds', 'i'],
    5: ['activeDeadlineSeconds', 'i'],
    6: ['dnsPolicy', 's'],
    7: ['nodeSelector', 'ms'],
    8: ['serviceAccountName', 's'],
    9: ['serviceAccount', 's'],
    10: ['nodeName', 's'],
    11: ['hostNetwork', 'B'],
    12: ['hostPID', 'B'],
    13: ['hostIPC', 'B'],
    15: ['imagePullSecrets', 'LocalObjectReference[]'],
    16: ['hostname', 's'],
    17: ['subdomain', 's'],
    19: ['schedulerName', 's'],
    20: ['initContainers', 'Container[]'],
    21: ['automountServiceAccountToken', 'b'],
    24: ['priorityClassName', 's'],
    25: ['priority', 'i'],
    29: ['runtimeClassName', 's'],
    30: ['enableServiceLinks', 'b'],
  },
  Container: {
    1: ['name', 's'],
    2: ['image', 's'],
    3: ['command', 's[]'],
    4: ['args', 's[]'],
    5: ['workingDir', 's'],
    6: ['ports', 'ContainerPort[]'],
    7: ['env', 'EnvVar[]'],
    8: ['resources', 'ResourceRequirements'],
    13: ['terminationMessagePath', 's'],
    14: ['imagePullPolicy', 's'],
    16: ['stdin', 'B'],
    17: ['stdinOnce', 'B'],
    18: ['tty', 'B'],
    20: ['terminationMessagePolicy', 's'],
  },
  ContainerPort: {
    1: ['name', 's'],
    2: ['hostPort', 'I'],
    3: ['containerPort', 'i'],
    4: ['protocol', 's'],
    5: ['hostIP', 's'],
  },
  EnvVar: { 1: ['name', 's'], 2: ['value', 's'] },
  ResourceRequirements: { 1: ['limits', 'mq'], 2: ['requests', 'mq'] },
  Deployment: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'DeploymentSpec'], 3: ['status', '-'] },
  DeploymentSpec: {
    1: ['replicas', 'i'],
    2: ['selector', 'LabelSelector'],
    3: ['template', 'PodTemplateSpec'],
    4: ['strategy', 'DeploymentStrategy'],
    5: ['minReadySeconds', 'I'],
    6: ['revisionHistoryLimit', 'i'],
    7: ['paused', 'B'],
    9: ['progressDeadlineSeconds', 'i'],
  },
  DeploymentStrategy: { 1: ['type', 's'], 2: ['rollingUpdate', 'RollingUpdateDeployment'] },
  RollingUpdateDeployment: { 1: ['maxUnavailable', 'x'], 2: ['maxSurge', 'x'] },
  Job: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'JobSpec'], 3: ['status', '-'] },
  JobSpec: {
    1: ['parallelism', 'i'],
    2: ['completions', 'i'],
    3: ['activeDeadlineSeconds', 'i'],
    4: ['selector', 'LabelSelector'],
    5: ['manualSelector', 'b'],
    6: ['template', 'PodTemplateSpec'],
    7: ['backoffLimit', 'i'],
    8: ['ttlSecondsAfterFinished', 'i'],
    9: ['completionMode', 's'],
    10: ['suspend', 'b'],
  },
  CronJob: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'CronJobSpec'], 3: ['status', '-'] },
  CronJobSpec: {
    1: ['schedule', 's'],
    2: ['startingDeadlineSeconds', 'i'],
    3: ['concurrencyPolicy', 's'],
    4: ['suspend', 'b'],
    5: ['jobTemplate', 'JobTemplateSpec'],
    6: ['successfulJobsHistoryLimit', 'i'],
    7: ['failedJobsHistoryLimit', 'i'],
    8: ['timeZone', 's'],
  },
  HorizontalPodAutoscaler: {
    1: ['metadata', 'ObjectMeta'],
    2: ['spec', 'HorizontalPodAutoscalerSpec'],
    3: ['status', '-'],
  },
  HorizontalPodAutoscalerSpec: {
    1: ['scaleTargetRef', 'CrossVersionObjectReference'],
    2: ['minReplicas', 'i'],
    3: ['maxReplicas', 'i'],
    4: ['metrics', 'MetricSpec[]'],
  },
  CrossVersionObjectReference: { 1: ['kind', 's'], 2: ['name', 's'], 3: ['apiVersion', 's'] },
  MetricSpec: {
    1: ['type', 's'],
    4: ['resource', 'ResourceMetricSource'],
    7: ['containerResource', 'ContainerResourceMetricSource'],
  },
  ResourceMetricSource: { 1: ['name', 's'], 2: ['target', 'MetricTarget'] },
  ContainerResourceMetricSource: { 1: ['name', 's'], 2: ['target', 'MetricTarget'], 3: ['container', 's'] },
  MetricTarget: { 1: ['type', 's'], 2: ['value', 'q'], 3: ['averageValue', 'q'], 4: ['averageUtilization', 'i'] },
  JobTemplateSpec: { 1: ['metadata', 'ObjectMeta'], 2: ['spec', 'JobSpec'] },
};

/** Top-level kinds by their apiVersion/kind, as the protobuf envelope names them. */
const TOP_LEVEL: Readonly<Record<string, string>> = {
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Namespace': 'Namespace',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'v1/Pod': 'Pod',
  'apps/v1/Deployment': 'Deployment',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'autoscaling/v2/HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
};

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field {
  number: number;
  wire: number;
  varint?: bigint;
  bytes?: Buffer;
}

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length; i++) {
    const byte = buf[i]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, i + 1];
    shift += 7n;
    if (shift > 70n) break;
  }
  throw badRequest('invalid protobuf body: truncated varint');
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [tag, next] = readVarint(buf, at);
    at = next;
    const number = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [value, after] = readVarint(buf, at);
      out.push({ number, wire, varint: value });
      at = after;
    } else if (wire === 2) {
      const [length, after] = readVarint(buf, at);
      const end = after + Number(length);
      if (end > buf.length) throw badRequest('invalid protobuf body: truncated field');
      out.push({ number, wire, bytes: buf.subarray(after, end) });
      at = end;
    } else if (wire === 1) {
      at += 8;
    } else if (wire === 5) {
      at += 4;
    } else {
      throw badRequest(`invalid protobuf body: unsupported wire type ${wire}`);
    }
  }
  return out;
}

function text(field: Field): string {
  return field.bytes ? field.bytes.toString('utf8') : '';
}

function integer(field: Field): number {
  return Number(BigInt.asIntN(64, field.varint ?? 0n));
}

function time(bytes: Buffer): string | undefined {
  let seconds = 0;
  for (const f of fields(bytes)) if (f.number === 1) seconds = integer(f);
  if (seconds === 0) return undefined;
  return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

function quantity(bytes: Buffer): string {
  return (
    fields(bytes)
      .find((f) => f.number === 1)
      ?.bytes?.toString('utf8') ?? ''
  );
}

function intOrString(bytes: Buffer): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  for (const f of fields(bytes)) {
    if (f.number === 1) type = integer(f);
    else if (f.number === 2) intVal = integer(f);
    else if (f.number === 3) strVal = text(f);
  }
  return type === 1 ? strVal : intVal;
}

function mapEntry(bytes: Buffer, value: 'ms' | 'my' | 'mq'): [string, string] {
  let key = '';
  let raw: Buffer = Buffer.alloc(0);
  for (const f of fields(bytes)) {
    if (f.number === 1) key = text(f);
    else if (f.number === 2 && f.bytes) raw = f.bytes;
  }
  if (value === 'my') return [key, raw.toString('base64')];
  if (value === 'mq') return [key, quantity(raw)];
  return [key, raw.toString('utf8')];
}

/** One field value, or undefined when it is absent from the JSON form. */
function scalar(kind: string, field: Field): JsonValue | undefined {
  switch (kind) {
    case 's': {
      const value = text(field);
      return value === '' ? undefined : value;
    }
    case 'i':
      return integer(field);
    case 'I':
      return integer(field) === 0 ? undefined : integer(field);
    case 'b':
      return field.varint !== 0n;
    case 'B':
      return field.varint !== 0n ? true : undefined;
    case 'y':
      return (field.bytes ?? Buffer.alloc(0)).toString('base64');
    case 't':
      return time(field.bytes ?? Buffer.alloc(0));
    case 'q':
      return quantity(field.bytes ?? Buffer.alloc(0));
    case 'x':
      return intOrString(field.bytes ?? Buffer.alloc(0));
    default:
      return decodeMessage(kind, field.bytes ?? Buffer.alloc(0));
  }
}

function decodeMessage(name: string, bytes: Buffer): JsonObject {
  const spec = MESSAGES[name];
  if (!spec) throw new Error(`no protobuf description for ${name}`);
  const out: JsonObject = {};
  for (const field of fields(bytes)) {
    const entry = spec[field.number];
    // Fields podloop does not model are left out, as an older server drops fields it does not know.
    if (!entry) continue;
    const [json, kindSpec] = entry;
    if (kindSpec === '-') continue;
    if (kindSpec === 'ms' || kindSpec === 'my' || kindSpec === 'mq') {
      const map = (out[json] ??= {}) as JsonObject;
      const [key, value] = mapEntry(field.bytes ?? Buffer.alloc(0), kindSpec);
      map[key] = value;
      continue;
    }
    const repeated = kindSpec.endsWith('[]');
    const kind = repeated ? kindSpec.slice(0, -2) : kindSpec;
    const value = scalar(kind, field);
    if (repeated) {
      // An empty string in a list is a real element, unlike an empty string field.
      ((out[json] ??= []) as JsonValue[]).push(value ?? '');
    } else if (value !== undefined) {
      out[json] = value;
    }
  }
  return out;
}

/** Decodes a `k8s\0`-prefixed protobuf body (runtime.Unknown envelope) into a JSON object. */
export function decodeProtobufObject(body: Buffer): KubeObjectInput {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw badRequest('invalid protobuf body: missing the k8s envelope');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | undefined;
  for (const f of fields(body.subarray(4))) {
    if (f.number === 1 && f.bytes) {
      for (const t of fields(f.bytes)) {
        if (t.number === 1) apiVersion = text(t);
        else if (t.number === 2) kind = text(t);
      }
    } else if (f.number === 2) {
      raw = f.bytes;
    }
  }
  const message = TOP_LEVEL[`${apiVersion}/${kind}`];
  if (!message || !raw) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  return { apiVersion, kind, ...decodeMessage(message, raw) } as KubeObjectInput;
}
