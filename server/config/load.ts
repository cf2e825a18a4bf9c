// Reads podloop project configuration text (YAML or JSON), validates it against the schema and returns the
// typed config with defaults applied; every problem becomes a ConfigError pointing at file, line and column.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { projectConfigSchema } from './schema.js';
import { configDefaults, type ContainerConfig, type ProjectConfig, type WorkloadConfig } from './types.js';

/** Where project configuration lives, relative to the project folder. */
export const configFileNames = [join('.podloop', 'config.yaml'), join('.podloop', 'config.yml')];

/** The annotation a workload can carry its own podloop configuration in. */
export const configAnnotation = 'podloop.dev/config';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    /** The file path, or a description of the source such as "annotation podloop.dev/config on Deployment shop/web". */
    readonly file: string,
    /** 1-based. */
    readonly line: number,
    readonly column: number,
    /** Dotted path of the offending field, e.g. workloads[0].containers[0].debug.remotePort; '' for syntax errors. */
    readonly field: string,
    /** What is wrong, without the location. */
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${field ? `${field}: ` : ''}${reason}`);
  }

  /** The `data` of an InvalidConfig error response: the protocol's `source`, plus where and which field. */
  get data(): { source: string; line: number; column: number; field: string } {
    return { source: this.file, line: this.line, column: this.column, field: this.field };
  }
}

// Compiled on first use: the compile costs start-up time that most engine sessions never need.
let compiledSchema: ReturnType<Ajv['compile']> | undefined;
function schemaValidator(): ReturnType<Ajv['compile']> {
  compiledSchema ??= new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(projectConfigSchema);
  return compiledSchema;
}

/** Loads .podloop/config.yaml from a project folder; undefined when the project has none. */
export async function loadProjectConfig(projectDir: string): Promise<ProjectConfig | undefined> {
  for (const name of configFileNames) {
    const file = join(projectDir, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    return parseConfigText(text, file);
  }
  return undefined;
}

/** Loads and validates one configuration file (`podloop config validate FILE`). */
export async function loadConfigFile(file: string): Promise<ProjectConfig> {
  return parseConfigText(await readFile(file, 'utf8'), file);
}

/** Parses and validates configuration text; `sourceName` names the source in errors. */
export function parseConfigText(text: string, sourceName: string): ProjectConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const syntaxError = doc.errors[0];
  if (syntaxError) {
    const pos = lineCounter.linePos(syntaxError.pos[0]);
    throw new ConfigError(sourceName, pos.line, pos.col, '', firstLine(syntaxError.message));
  }
  const locate = (path: readonly string[], atKey = false): { line: number; column: number } =>
    position(doc, lineCounter, path, atKey);
  const fail = (path: readonly string[], reason: string, atKey = false): never => {
    const at = locate(path, atKey);
    throw new ConfigError(sourceName, at.line, at.column, fieldName(path), reason);
  };

  const data: unknown = doc.toJS();
  const validateSchema = schemaValidator();
  if (!validateSchema(data)) {
    const error = pickError(validateSchema.errors ?? []);
    const path = pointerSegments(error.instancePath);
    if (error.keyword === 'additionalProperties') {
      const extra = String(error.params.additionalProperty);
      return fail([...path, extra], `unknown field '${extra}'`, true);
    }
    const name = error.propertyName ?? (error.params.propertyName as string | undefined);
    if (name !== undefined) {
      return fail(
        [...path, name],
        `'${name}' is not a valid ${path.at(-1) === 'env' ? 'environment variable' : 'resource'} name`,
        true,
      );
    }
    if (error.keyword === 'required') {
      return fail(path, `missing required field '${String(error.params.missingProperty)}'`);
    }
    return fail(
      path,
      describeError(error, valueAt(data, path), validateSchema.errors ?? []),
      error.keyword === 'propertyNames',
    );
  }
  return normalize(data as RawConfig, fail);
}

type Fail = (path: readonly string[], reason: string, atKey?: boolean) => never;

interface RawContainer {
  name?: string;
  image?: string;
  workDir?: string;
  shell?: string;
  command?: { run?: string[]; debug?: string[] };
  debug?: ContainerConfig['debug'];
  hotReload?: boolean;
  sync?: Partial<ContainerConfig['sync']>;
  env?: Array<{ name: string; value: string | number | boolean }> | Record<string, string | number | boolean>;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  persistentDirs?: Array<{ path: string; size?: string | number; storageClass?: string }>;
  portForward?: string[];
}
interface RawConfig {
  version: 1;
  workloads: Array<Omit<WorkloadConfig, 'containers'> & { containers: RawContainer[] }>;
}

function normalize(raw: RawConfig, fail: Fail): ProjectConfig {
  return {
    version: 1,
    workloads: raw.workloads.map((workload, w) => {
      const seen = new Set<string>();
      return {
        kind: workload.kind,
        name: workload.name,
        ...(workload.namespace !== undefined ? { namespace: workload.namespace } : {}),
        containers: workload.containers.map((container, c) => {
          const at = ['workloads', String(w), 'containers', String(c)];
          const key = container.name ?? '';
          if (seen.has(key))
            fail([...at, ...(container.name ? ['name'] : [])], `container '${key || '(default)'}' is configured twice`);
          seen.add(key);
          return normalizeContainer(container, at, fail);
        }),
      };
    }),
  };
}

function normalizeContainer(raw: RawContainer, at: string[], fail: Fail): ContainerConfig {
  const env = Array.isArray(raw.env)
    ? raw.env.map((entry) => ({ name: entry.name, value: String(entry.value) }))
    : Object.entries(raw.env ?? {}).map(([name, value]) => ({ name, value: String(value) }));
  const portForward = (raw.portForward ?? []).map((spec, i) => {
    const [local, remote] = spec.split(':').map(Number) as [number, number];
    if (local < 1 || local > 65535 || remote < 1 || remote > 65535) {
      fail([...at, 'portForward', String(i)], `ports must be between 1 and 65535 (got "${spec}")`);
    }
    return { local, remote };
  });
  const resources = raw.resources
    ? {
        ...(raw.resources.requests ? { requests: quantities(raw.resources.requests) } : {}),
        ...(raw.resources.limits ? { limits: quantities(raw.resources.limits) } : {}),
      }
    : undefined;
  return {
    ...(raw.name !== undefined ? { name: raw.name } : {}),
    ...(raw.image !== undefined ? { image: raw.image } : {}),
    ...(raw.workDir !== undefined ? { workDir: raw.workDir } : {}),
    shell: raw.shell ?? configDefaults.shell,
    command: { run: raw.command?.run ?? [], debug: raw.command?.debug ?? [] },
    ...(raw.debug !== undefined ? { debug: raw.debug } : {}),
    hotReload: raw.hotReload ?? false,
    sync: {
      include: raw.sync?.include ?? [],
      exclude: raw.sync?.exclude ?? [],
      mode: raw.sync?.mode ?? configDefaults.syncMode,
    },
    env,
    ...(resources ? { resources } : {}),
    persistentDirs: (raw.persistentDirs ?? []).map((dir) => ({
      path: dir.path,
      size: dir.size !== undefined ? String(dir.size) : configDefaults.persistentDirSize,
      ...(dir.storageClass !== undefined ? { storageClass: dir.storageClass } : {}),
    })),
    portForward,
  };
}

function quantities(list: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(list).map(([name, value]) => [name, String(value)]));
}

/**
 * The most specific error: the deepest instance path wins, so a oneOf reports the branch that got furthest;
 * at one path, a type mismatch of a oneOf branch gives way to a more telling error from another branch.
 */
function pickError(errors: readonly ErrorObject[]): ErrorObject {
  const depth = (error: ErrorObject): number => pointerSegments(error.instancePath).length;
  const deepest = Math.max(...errors.map(depth));
  const candidates = errors.filter((error) => depth(error) === deepest);
  return candidates.find((error) => error.keyword !== 'type' && error.keyword !== 'oneOf') ?? candidates[0]!;
}

/** What a pattern means, by the field it guards. */
function patternMeaning(error: ErrorObject): string {
  if (/\/(workDir|path)$/.test(error.instancePath)) return 'must be an absolute path';
  if (error.instancePath.includes('/portForward/')) return 'must be "LOCAL:REMOTE", e.g. "8080:8080"';
  if (error.instancePath.includes('/resources/') || error.instancePath.endsWith('/size')) {
    return 'must be a Kubernetes quantity such as 500m, 2, 256Mi or 1Gi';
  }
  if (error.instancePath.includes('/env/')) return 'must be a valid environment variable name';
  return 'has an invalid format';
}

function describeError(error: ErrorObject, value: unknown, all: readonly ErrorObject[]): string {
  const got = ` (got ${JSON.stringify(value) ?? 'nothing'})`;
  switch (error.keyword) {
    case 'type': {
      const types = all
        .filter((e) => e.instancePath === error.instancePath && e.keyword === 'type')
        .map((e) => String(e.params.type));
      return `must be ${[...new Set(types)].join(' or ').replace(/,/g, ' or ')}${got}`;
    }
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'const':
      return `must be ${JSON.stringify(error.params.allowedValue)}${got}`;
    case 'pattern':
      return `${patternMeaning(error)}${got}`;
    case 'minItems':
      return `must list at least ${String(error.params.limit)} item${error.params.limit === 1 ? '' : 's'}`;
    case 'oneOf':
      return `has an invalid form${got}`;
    default:
      return `${error.message ?? 'is invalid'}${got}`;
  }
}

function pointerSegments(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function fieldName(path: readonly string[]): string {
  return path.reduce(
    (name, segment) => (/^[0-9]+$/.test(segment) ? `${name}[${segment}]` : name ? `${name}.${segment}` : segment),
    '',
  );
}

function valueAt(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** The line and column of the YAML node at `path` (its key when `atKey`), falling back to the nearest ancestor. */
function position(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly string[],
  atKey: boolean,
): { line: number; column: number } {
  let node: unknown = doc.contents;
  let best: YamlNode | undefined = isNode(node) ? node : undefined;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === segment);
      if (!pair) break;
      const key = isNode(pair.key) ? pair.key : undefined;
      node = pair.value;
      best = (last && atKey) || !isNode(node) ? (key ?? best) : node;
    } else if (isSeq(node)) {
      node = node.items[Number(segment)];
      if (!isNode(node)) break;
      best = node;
    } else {
      break;
    }
  }
  const offset = best?.range?.[0];
  if (offset === undefined) return { line: 1, column: 1 };
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function isNode(value: unknown): value is YamlNode {
  return isMap(value) || isSeq(value) || isScalar(value);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
