// Semantic validation (422 Invalid) for the served kinds: required fields, names, port ranges,
// selectors that match their templates; the causes worded as the real API server words them.

import type { StatusCause } from '../../store/errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../store/objects.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_HELP =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_HELP =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_VALUE_HELP =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

type Causes = StatusCause[];

function required(causes: Causes, field: string, detail?: string): void {
  causes.push({
    reason: 'FieldValueRequired',
    field,
    message: detail ? `Required value: ${detail}` : 'Required value',
  });
}

function invalidValue(causes: Causes, field: string, value: JsonValue | undefined, detail: string): void {
  causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${goValue(value)}: ${detail}` });
}

function unsupported(causes: Causes, field: string, value: JsonValue, supported: string[]): void {
  causes.push({
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${goValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  });
}

/** Values rendered as the Go validation messages render them. */
function goValue(value: JsonValue | undefined): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (isJsonObject(value)) {
    return `map[string]string{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
      .join(', ')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}

const obj = (value: JsonValue | undefined): JsonObject => (isJsonObject(value) ? value : {});
const list = (value: JsonValue | undefined): JsonValue[] => (Array.isArray(value) ? value : []);
const text = (value: JsonValue | undefined): string => (typeof value === 'string' ? value : '');

/** The causes that make `object` invalid; empty when it is valid. */
export function semanticCauses(kind: string, object: JsonObject): Causes {
  const causes: Causes = [];
  validateMetadata(obj(object.metadata), 'metadata', causes);
  const spec = obj(object.spec);
  switch (kind) {
    case 'Pod':
      validatePodSpec(spec, 'spec', causes);
      break;
    case 'Deployment':
      validateWorkload(spec, causes, ['Always']);
      validateDeploymentStrategy(obj(spec.strategy), causes);
      break;
    case 'ReplicaSet':
    case 'StatefulSet':
    case 'DaemonSet':
      validateWorkload(spec, causes, ['Always']);
      break;
    case 'Job':
      validateJobSpec(spec, 'spec', causes);
      break;
    case 'CronJob':
      if (typeof spec.schedule !== 'string' || spec.schedule === '') required(causes, 'spec.schedule');
      validateJobSpec(obj(obj(spec.jobTemplate).spec), 'spec.jobTemplate.spec', causes);
      break;
    case 'Service':
      validateServiceSpec(spec, causes);
      break;
    case 'ConfigMap':
    case 'Secret':
      for (const field of ['data', 'binaryData', 'stringData']) {
        for (const key of Object.keys(obj(object[field]))) {
          if (!CONFIG_KEY.test(key)) invalidValue(causes, `${field}[${key}]`, key, CONFIG_KEY_HELP);
        }
      }
      break;
  }
  return causes;
}

function validateMetadata(metadata: JsonObject, path: string, causes: Causes): void {
  for (const [key, value] of Object.entries(obj(metadata.labels))) {
    validateQualifiedName(key, `${path}.labels`, causes);
    if (typeof value === 'string' && (value.length > 63 || !LABEL_VALUE.test(value))) {
      invalidValue(causes, `${path}.labels`, value, LABEL_VALUE_HELP);
    }
  }
  for (const key of Object.keys(obj(metadata.annotations)))
    validateQualifiedName(key.toLowerCase(), `${path}.annotations`, causes);
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const NAME_PART_HELP =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Label and annotation keys: an optional DNS-subdomain prefix and a name part of at most 63 characters. */
function validateQualifiedName(key: string, field: string, causes: Causes): void {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (name.length === 0) invalidValue(causes, field, key, 'name part must be non-empty');
  else if (name.length > 63) invalidValue(causes, field, key, 'name part must be no more than 63 characters');
  else if (!NAME_PART.test(name)) invalidValue(causes, field, key, NAME_PART_HELP);
  if (prefix !== undefined) {
    if (prefix.length === 0) invalidValue(causes, field, key, 'prefix part must be non-empty');
    else if (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      invalidValue(
        causes,
        field,
        key,
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      );
    }
  }
}

function validateWorkload(spec: JsonObject, causes: Causes, restartPolicies: string[]): void {
  if (typeof spec.replicas === 'number' && spec.replicas < 0) {
    invalidValue(causes, 'spec.replicas', spec.replicas, 'must be greater than or equal to 0');
  }
  const template = obj(spec.template);
  const selector = spec.selector;
  if (!isJsonObject(selector)) required(causes, 'spec.selector');
  else if (Object.keys(obj(selector.matchLabels)).length === 0 && list(selector.matchExpressions).length === 0) {
    invalidValue(causes, 'spec.selector', selector, 'empty selector is invalid for deployment');
  } else {
    const labels = obj(obj(template.metadata).labels);
    if (!selectorMatches(selector, labels)) {
      invalidValue(causes, 'spec.template.metadata.labels', labels, '`selector` does not match template `labels`');
    }
  }
  if (!isJsonObject(spec.template)) {
    required(causes, 'spec.template');
    return;
  }
  const podSpec = obj(template.spec);
  // A StatefulSet's claim templates are volumes its containers may mount.
  const claims = list(spec.volumeClaimTemplates).map((claim) => text(obj(obj(claim).metadata).name));
  validatePodSpec(podSpec, 'spec.template.spec', causes, claims);
  const policy = podSpec.restartPolicy;
  if (typeof policy === 'string' && !restartPolicies.includes(policy)) {
    unsupported(causes, 'spec.template.spec.restartPolicy', policy, restartPolicies);
  }
}

function validateDeploymentStrategy(strategy: JsonObject, causes: Causes): void {
  const type = strategy.type;
  if (type === undefined) return;
  if (type !== 'Recreate' && type !== 'RollingUpdate') {
    unsupported(causes, 'spec.strategy.type', type, ['Recreate', 'RollingUpdate']);
  } else if (type === 'Recreate' && isJsonObject(strategy.rollingUpdate)) {
    causes.push({
      reason: 'FieldValueForbidden',
      field: 'spec.strategy.rollingUpdate',
      message: "Forbidden: may not be specified when strategy `type` is 'Recreate'",
    });
  }
}

function validateJobSpec(spec: JsonObject, path: string, causes: Causes): void {
  for (const field of ['parallelism', 'completions', 'backoffLimit']) {
    const value = spec[field];
    if (typeof value === 'number' && value < 0)
      invalidValue(causes, `${path}.${field}`, value, 'must be greater than or equal to 0');
  }
  const podSpec = obj(obj(spec.template).spec);
  validatePodSpec(podSpec, `${path}.template.spec`, causes);
  const policy = podSpec.restartPolicy;
  if (policy !== 'OnFailure' && policy !== 'Never') {
    if (policy === undefined || policy === 'Always') {
      required(causes, `${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"');
    } else unsupported(causes, `${path}.template.spec.restartPolicy`, policy as JsonValue, ['OnFailure', 'Never']);
  }
}

export function selectorMatches(selector: JsonObject, labels: JsonObject): boolean {
  for (const [key, value] of Object.entries(obj(selector.matchLabels))) if (labels[key] !== value) return false;
  for (const expression of list(selector.matchExpressions)) {
    const { key, operator, values } = obj(expression);
    const present = typeof key === 'string' && key in labels;
    const value = typeof key === 'string' ? labels[key] : undefined;
    const options = list(values);
    if (operator === 'In' && !(present && options.includes(value ?? null))) return false;
    if (operator === 'NotIn' && present && options.includes(value ?? null)) return false;
    if (operator === 'Exists' && !present) return false;
    if (operator === 'DoesNotExist' && present) return false;
  }
  return true;
}

function validatePodSpec(spec: JsonObject, path: string, causes: Causes, extraVolumes: string[] = []): void {
  const volumes = new Set<string>(extraVolumes);
  list(spec.volumes).forEach((volume, index) => {
    const name = obj(volume).name;
    const field = `${path}.volumes[${index}].name`;
    if (typeof name !== 'string' || name === '') required(causes, field);
    else if (volumes.has(name))
      causes.push({ reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${JSON.stringify(name)}` });
    else {
      if (!DNS_LABEL.test(name)) invalidValue(causes, field, name, DNS_LABEL_HELP);
      volumes.add(name);
    }
  });
  const containers = list(spec.containers);
  if (containers.length === 0) required(causes, `${path}.containers`);
  const names = new Set<string>();
  for (const group of ['initContainers', 'containers']) {
    list(spec[group]).forEach((container, index) =>
      validateContainer(obj(container), `${path}.${group}[${index}]`, names, volumes, causes),
    );
  }
  const restart = spec.restartPolicy;
  if (typeof restart === 'string' && !['Always', 'OnFailure', 'Never'].includes(restart)) {
    unsupported(causes, `${path}.restartPolicy`, restart, ['Always', 'OnFailure', 'Never']);
  }
  const dns = spec.dnsPolicy;
  if (typeof dns === 'string' && !['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(dns)) {
    unsupported(causes, `${path}.dnsPolicy`, dns, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']);
  }
}

function validateContainer(
  container: JsonObject,
  path: string,
  names: Set<string>,
  volumes: Set<string>,
  causes: Causes,
): void {
  const name = container.name;
  if (typeof name !== 'string' || name === '') required(causes, `${path}.name`);
  else if (names.has(name)) {
    causes.push({
      reason: 'FieldValueDuplicate',
      field: `${path}.name`,
      message: `Duplicate value: ${JSON.stringify(name)}`,
    });
  } else {
    if (!DNS_LABEL.test(name) || name.length > 63) invalidValue(causes, `${path}.name`, name, DNS_LABEL_HELP);
    names.add(name);
  }
  if (typeof container.image !== 'string' || container.image.trim() === '') required(causes, `${path}.image`);
  list(container.ports).forEach((port, index) => {
    const { containerPort, hostPort, protocol } = obj(port);
    const field = `${path}.ports[${index}]`;
    if (containerPort === undefined || containerPort === 0) required(causes, `${field}.containerPort`);
    else if (typeof containerPort === 'number' && (containerPort < 1 || containerPort > 65535)) {
      invalidValue(causes, `${field}.containerPort`, containerPort, 'must be between 1 and 65535, inclusive');
    }
    if (typeof hostPort === 'number' && hostPort !== 0 && (hostPort < 1 || hostPort > 65535)) {
      invalidValue(causes, `${field}.hostPort`, hostPort, 'must be between 1 and 65535, inclusive');
    }
    if (typeof protocol === 'string' && !['TCP', 'UDP', 'SCTP'].includes(protocol)) {
      unsupported(causes, `${field}.protocol`, protocol, ['SCTP', 'TCP', 'UDP']);
    }
  });
  list(container.env).forEach((env, index) => {
    const envName = obj(env).name;
    if (typeof envName !== 'string' || envName === '') required(causes, `${path}.env[${index}].name`);
  });
  list(container.volumeMounts).forEach((mount, index) => {
    const { name: volume, mountPath } = obj(mount);
    const field = `${path}.volumeMounts[${index}]`;
    if (typeof volume !== 'string' || volume === '') required(causes, `${field}.name`);
    else if (!volumes.has(volume)) {
      causes.push({
        reason: 'FieldValueNotFound',
        field: `${field}.name`,
        message: `Not found: ${JSON.stringify(volume)}`,
      });
    }
    if (typeof mountPath !== 'string' || mountPath === '') required(causes, `${field}.mountPath`);
  });
  const policy = container.imagePullPolicy;
  if (typeof policy === 'string' && !['Always', 'IfNotPresent', 'Never'].includes(policy)) {
    unsupported(causes, `${path}.imagePullPolicy`, policy, ['Always', 'IfNotPresent', 'Never']);
  }
}

function validateServiceSpec(spec: JsonObject, causes: Causes): void {
  const type = spec.type ?? 'ClusterIP';
  const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
  if (typeof type !== 'string' || !types.includes(type)) {
    unsupported(causes, 'spec.type', type as JsonValue, types);
    return;
  }
  const ports = list(spec.ports);
  if (type === 'ExternalName') {
    if (typeof spec.externalName !== 'string' || spec.externalName === '') required(causes, 'spec.externalName');
    return;
  }
  if (ports.length === 0 && spec.clusterIP !== 'None') required(causes, 'spec.ports');
  const names = new Set<string>();
  ports.forEach((entry, index) => {
    const { port, name, targetPort, protocol, nodePort } = obj(entry);
    const field = `spec.ports[${index}]`;
    if (ports.length > 1 && (typeof name !== 'string' || name === '')) required(causes, `${field}.name`);
    if (typeof name === 'string' && name !== '') {
      if (names.has(name))
        causes.push({
          reason: 'FieldValueDuplicate',
          field: `${field}.name`,
          message: `Duplicate value: ${JSON.stringify(name)}`,
        });
      names.add(name);
    }
    if (port === undefined || port === 0) required(causes, `${field}.port`);
    else if (typeof port === 'number' && (port < 1 || port > 65535)) {
      invalidValue(causes, `${field}.port`, port, 'must be between 1 and 65535, inclusive');
    }
    if (typeof targetPort === 'number' && (targetPort < 1 || targetPort > 65535)) {
      invalidValue(causes, `${field}.targetPort`, targetPort, 'must be between 1 and 65535, inclusive');
    }
    if (typeof nodePort === 'number' && nodePort !== 0 && type === 'ClusterIP') {
      causes.push({
        reason: 'FieldValueForbidden',
        field: `${field}.nodePort`,
        message: "Forbidden: may not be used when `type` is 'ClusterIP'",
      });
    }
    if (typeof protocol === 'string' && !['TCP', 'UDP', 'SCTP'].includes(protocol)) {
      unsupported(causes, `${field}.protocol`, protocol, ['SCTP', 'TCP', 'UDP']);
    }
  });
}
