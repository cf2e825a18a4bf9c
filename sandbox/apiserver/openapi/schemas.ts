// Converts the sandbox's field schemas into OpenAPI v3 component schemas with the Kubernetes
// extensions (group-version-kind, patch strategy and merge key, list type) kubectl reads.

import type { JsonObject } from '../../store/objects.js';
import { DEFINITIONS, structNamed, type Schema, type StructDef } from '../schema/index.js';

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';

/** Scalar types that real documents describe as components of their own. */
const SCALAR_COMPONENTS: Record<string, JsonObject> = {
  [INT_OR_STRING]: {
    description: 'IntOrString is a type that can hold an int32 or a string.',
    type: 'string',
    format: 'int-or-string',
  },
  [QUANTITY]: {
    description: 'Quantity is a fixed-point representation of a number, e.g. 128Mi, 500m, 2.',
    type: 'string',
  },
  [TIME]: {
    description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON (RFC 3339).',
    type: 'string',
    format: 'date-time',
  },
};

function reference(name: string): JsonObject {
  return { $ref: `#/components/schemas/${name}` };
}

function toOpenApi(schema: Schema, uses: Set<string>): JsonObject {
  switch (schema.kind) {
    case 'scalar':
      switch (schema.type) {
        case 'string':
          return { type: 'string' };
        case 'int32':
        case 'int64':
          return { type: 'integer', format: schema.type };
        case 'number':
          return { type: 'number', format: 'double' };
        case 'boolean':
          return { type: 'boolean' };
        case 'byte':
          return { type: 'string', format: 'byte' };
        case 'int-or-string':
          uses.add(INT_OR_STRING);
          return { allOf: [reference(INT_OR_STRING)] };
        case 'quantity':
          uses.add(QUANTITY);
          return { allOf: [reference(QUANTITY)] };
        case 'date-time':
          uses.add(TIME);
          return { allOf: [reference(TIME)] };
      }
      break;
    case 'ref': {
      uses.add(schema.name);
      const field: JsonObject = { allOf: [reference(schema.name)], default: {} };
      if (structNamed(schema.name).retainKeys) field['x-kubernetes-patch-strategy'] = 'retainKeys';
      return field;
    }
    case 'map':
      return { type: 'object', additionalProperties: toOpenApi(schema.values, uses) };
    case 'list': {
      const items = toOpenApi(schema.items, uses);
      const list: JsonObject = { type: 'array', items: 'allOf' in items ? { ...items, default: {} } : items };
      if (schema.strategy) list['x-kubernetes-patch-strategy'] = schema.strategy;
      if (schema.mergeKey) {
        list['x-kubernetes-patch-merge-key'] = schema.mergeKey;
        list['x-kubernetes-list-type'] = 'map';
        list['x-kubernetes-list-map-keys'] = schema.listMapKeys ?? [schema.mergeKey];
      } else {
        list['x-kubernetes-list-type'] = schema.strategy ? 'set' : 'atomic';
      }
      return list;
    }
    case 'free':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  return {};
}

/** Descriptions of the fields `kubectl explain` is most often asked about, whatever struct holds them. */
const FIELD_DOCS: Record<string, string> = {
  apiVersion: 'APIVersion defines the versioned schema of this representation of an object.',
  kind: 'Kind is a string value representing the REST resource this object represents.',
  metadata: "Standard object's metadata.",
  spec: 'Specification of the desired behavior of the object.',
  status: 'Most recently observed status of the object. Read-only: written by the system.',
  replicas: 'Number of desired pods. Defaults to 1.',
  selector: "Label selector for pods. It must match the pod template's labels.",
  template: 'Template describes the pods that will be created.',
  strategy: 'The deployment strategy to use to replace existing pods with new ones.',
  containers: 'List of containers belonging to the pod. There must be at least one.',
  initContainers: 'List of initialization containers, run in order before the app containers start.',
  volumes: 'List of volumes that can be mounted by containers belonging to the pod.',
  name: 'Name of the object or entry, unique in its scope.',
  image: 'Container image name.',
  command: "Entrypoint array. Not executed within a shell. The image's ENTRYPOINT is used if this is not provided.",
  args: "Arguments to the entrypoint. The image's CMD is used if this is not provided.",
  env: 'List of environment variables to set in the container.',
  envFrom: 'List of sources to populate environment variables in the container.',
  ports: 'List of ports to expose.',
  volumeMounts: "Pod volumes to mount into the container's filesystem.",
  workingDir: "Container's working directory. Defaults to the image's.",
  resources: 'Compute resources required by this container.',
  livenessProbe: 'Periodic probe of container liveness. The container is restarted if the probe fails.',
  readinessProbe:
    'Periodic probe of container service readiness. The container is removed from service endpoints if the probe fails.',
  startupProbe: 'Indicates that the pod has successfully initialized; other probes wait until it succeeds.',
  imagePullPolicy:
    'Image pull policy: Always, Never, IfNotPresent. Defaults to Always for :latest, IfNotPresent otherwise.',
  restartPolicy: 'Restart policy for all containers within the pod: Always, OnFailure, Never. Defaults to Always.',
  labels: 'Map of string keys and values that can be used to organize and categorize objects.',
  annotations: 'Unstructured key value map stored with a resource that may be set by external tools.',
  namespace: 'Namespace defines the space within which each name must be unique.',
  data: 'The data this object holds.',
  type: 'The type of this object or entry.',
};

function component(def: StructDef, uses: Set<string>): JsonObject {
  const properties: JsonObject = {};
  for (const [name, schema] of Object.entries(def.fields)) {
    const property = toOpenApi(schema, uses);
    const doc = FIELD_DOCS[name];
    properties[name] = doc ? { description: doc, ...property } : property;
  }
  const result: JsonObject = { description: def.description, type: 'object', properties };
  if (def.required && def.required.length > 0) result.required = [...def.required];
  if (def.gvk)
    result['x-kubernetes-group-version-kind'] = [
      { group: def.gvk.group, kind: def.gvk.kind, version: def.gvk.version },
    ];
  return result;
}

/** Every component schema reachable from `roots`, keyed by component name. */
export function componentsFor(roots: string[]): JsonObject {
  const schemas: JsonObject = {};
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (name in schemas) continue;
    const scalar = SCALAR_COMPONENTS[name];
    if (scalar) {
      schemas[name] = scalar;
      continue;
    }
    const def = DEFINITIONS[name];
    if (!def) continue;
    const uses = new Set<string>();
    schemas[name] = component(def, uses);
    pending.push(...uses);
  }
  return Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : 1)));
}
