// Project configuration: parsing, defaults, and errors that point at file, line, column and field.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ConfigError, configAnnotation, loadProjectConfig, parseConfigText } from '../../server/config/load.js';
import { findContainerConfig, findWorkloadConfig } from '../../server/config/select.js';
import { containerConfigFor, type WorkloadIdentity } from '../../server/config/forWorkload.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/config/', import.meta.url));
const fixture = (name: string): Promise<string> => readFile(join(fixtures, name), 'utf8');

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

void describe('project config', () => {
  void test('a config using every field parses into typed values with maps and port specs normalised', async () => {
    const config = parseConfigText(await fixture('full.yaml'), 'full.yaml');
    const web = findWorkloadConfig(config, { kind: 'deployment', name: 'web', namespace: 'shop' });
    assert.ok(web);
    const app = findContainerConfig(web, 'app');
    assert.ok(app);
    assert.deepEqual(app.env, [
      { name: 'GREETING', value: 'hi from dev' },
      { name: 'DEBUG', value: '1' },
    ]);
    assert.deepEqual(app.portForward, [
      { local: 18080, remote: 8080 },
      { local: 9229, remote: 9229 },
    ]);
    assert.deepEqual(app.resources, {
      requests: { cpu: '250m', memory: '128Mi' },
      limits: { cpu: '2', memory: '1Gi' },
    });
    assert.deepEqual(app.persistentDirs, [
      { path: '/root/.npm', size: '1Gi' },
      { path: '/app/node_modules', size: '2Gi', storageClass: 'fast-ssd' },
    ]);
    assert.equal(app.sync.mode, 'two-way');
    assert.equal(app.hotReload, true);
    assert.equal(findWorkloadConfig(config, { kind: 'Deployment', name: 'web', namespace: 'other' }), undefined);
  });

  void test('fields left out get their documented defaults', () => {
    const config = parseConfigText(
      'version: 1\nworkloads:\n  - kind: Job\n    name: migrate\n    containers: [{}]\n',
      'inline',
    );
    const container = config.workloads[0]!.containers[0]!;
    assert.equal(container.shell, '/bin/sh');
    assert.deepEqual(container.sync, { include: [], exclude: [], mode: 'one-way' });
    assert.deepEqual(container.command, { run: [], debug: [] });
    assert.equal(container.hotReload, false);
    assert.equal(container.image, undefined);
  });

  void test('a wrong type deep in the YAML is reported with its line, column and field', async () => {
    const text = await fixture('wrong-type.yaml');
    const error = configError(() => parseConfigText(text, 'wrong-type.yaml'));
    assert.equal(error.file, 'wrong-type.yaml');
    assert.equal(error.field, 'workloads[0].containers[0].debug.remotePort');
    assert.equal(error.line, 10);
    assert.equal(error.column, 23);
    assert.deepEqual(error.data, {
      source: 'wrong-type.yaml',
      line: 10,
      column: 23,
      field: 'workloads[0].containers[0].debug.remotePort',
    });
    assert.match(
      error.message,
      /^wrong-type\.yaml:10:23: workloads\[0\]\.containers\[0\]\.debug\.remotePort: must be integer/,
    );
  });

  void test('an unknown field is reported at its key', async () => {
    const text = await fixture('unknown-field.yaml');
    const error = configError(() => parseConfigText(text, 'unknown-field.yaml'));
    assert.equal(error.field, 'workloads[0].containers[0].sync.exclud');
    assert.deepEqual([error.line, error.column], [9, 11]);
    assert.match(error.reason, /unknown field 'exclud'/);
  });

  void test('a missing required field names the field and points at its parent', () => {
    const error = configError(() =>
      parseConfigText('version: 1\nworkloads:\n  - kind: Pod\n    containers: [{}]\n', 'inline'),
    );
    assert.equal(error.field, 'workloads[0]');
    assert.equal(error.line, 3);
    assert.match(error.reason, /missing required field 'name'/);
  });

  void test('an enum value outside the allowed set lists the allowed values', () => {
    const text = 'version: 1\nworkloads:\n  - kind: ReplicaSet\n    name: x\n    containers: [{}]\n';
    const error = configError(() => parseConfigText(text, 'inline'));
    assert.equal(error.field, 'workloads[0].kind');
    assert.deepEqual([error.line, error.column], [3, 11]);
    assert.match(error.reason, /"Deployment", "StatefulSet"/);
  });

  void test('env that is neither a list nor a map says so', () => {
    const text = 'version: 1\nworkloads:\n  - kind: Pod\n    name: x\n    containers:\n      - env: FOO=bar\n';
    const error = configError(() => parseConfigText(text, 'inline'));
    assert.equal(error.field, 'workloads[0].containers[0].env');
    assert.deepEqual([error.line, error.column], [6, 14]);
    assert.match(error.reason, /must be array or object/);
  });

  void test('malformed values say what the field expects, at the offending key or value', () => {
    const container = (yaml: string): string =>
      `version: 1\nworkloads:\n  - kind: Pod\n    name: x\n    containers:\n      - ${yaml}\n`;
    const cases: Array<[string, string, number, number, RegExp]> = [
      [
        'env:\n          OK: 1\n          1BAD: x',
        'workloads[0].containers[0].env.1BAD',
        8,
        11,
        /'1BAD' is not a valid environment variable name/,
      ],
      ['workDir: app', 'workloads[0].containers[0].workDir', 6, 18, /must be an absolute path/],
      ['portForward: ["80"]', 'workloads[0].containers[0].portForward[0]', 6, 23, /"LOCAL:REMOTE"/],
      [
        'resources: { limits: { cpu: lots } }',
        'workloads[0].containers[0].resources.limits.cpu',
        6,
        37,
        /Kubernetes quantity/,
      ],
    ];
    for (const [yaml, field, line, column, reason] of cases) {
      const error = configError(() => parseConfigText(container(yaml), 'inline'));
      assert.deepEqual([error.field, error.line, error.column], [field, line, column], yaml);
      assert.match(error.reason, reason);
    }
    const empty = configError(() =>
      parseConfigText('version: 1\nworkloads:\n  - kind: Pod\n    name: x\n    containers: []\n', 'inline'),
    );
    assert.equal(empty.reason, 'must list at least 1 item');
  });

  void test('a port outside 1-65535 in portForward is rejected at its entry', () => {
    const text =
      'version: 1\nworkloads:\n  - kind: Pod\n    name: x\n    containers:\n      - portForward: ["8080:8080", "0:80"]\n';
    const error = configError(() => parseConfigText(text, 'inline'));
    assert.equal(error.field, 'workloads[0].containers[0].portForward[1]');
    assert.deepEqual([error.line, error.column], [6, 36]);
  });

  void test('YAML syntax errors carry their position', () => {
    const error = configError(() =>
      parseConfigText('version: 1\nworkloads:\n  - kind: Pod\n   name: [unclosed\n', 'broken.yaml'),
    );
    assert.equal(error.file, 'broken.yaml');
    assert.equal(error.field, '');
    assert.equal(error.line, 4);
  });

  void test('the same schema is accepted as JSON from the workload annotation, and errors name the annotation', () => {
    const source = 'annotation podloop.dev/config on Deployment shop/web';
    const config = parseConfigText(
      JSON.stringify({
        version: 1,
        workloads: [{ kind: 'Deployment', name: 'web', containers: [{ name: 'app', workDir: '/srv' }] }],
      }),
      source,
    );
    assert.equal(config.workloads[0]!.containers[0]!.workDir, '/srv');
    const error = configError(() => parseConfigText('{"version": 2, "workloads": []}', source));
    assert.equal(error.file, source);
    assert.equal(error.field, 'version');
    assert.deepEqual([error.line, error.column], [1, 13]);
  });

  void test('loadProjectConfig reads .podloop/config.yaml, reports the file path, and returns undefined without one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'podloop-config-'));
    try {
      assert.equal(await loadProjectConfig(dir), undefined);
      await mkdir(join(dir, '.podloop'));
      const file = join(dir, '.podloop', 'config.yaml');
      await writeFile(file, await fixture('full.yaml'));
      const config = await loadProjectConfig(dir);
      assert.equal(config?.workloads.length, 2);
      await writeFile(file, await fixture('wrong-type.yaml'));
      await assert.rejects(
        loadProjectConfig(dir),
        (error: unknown) => error instanceof ConfigError && error.file === file && error.line === 10,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

void describe('config for a workload', () => {
  const annotated = (text: string): WorkloadIdentity => ({
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', annotations: { [configAnnotation]: text } },
  });
  const shipped =
    'version: 1\nworkloads:\n  - kind: Deployment\n    name: web\n    containers:\n      - image: team/dev\n';

  void test('the annotation shipped with the workload applies when the project has no entry for it', () => {
    const resolved = containerConfigFor(undefined, annotated(shipped), undefined);
    assert.equal(resolved.source, 'annotation');
    assert.equal(resolved.config?.image, 'team/dev');
  });

  void test("the local project's entry wins over the annotation", async () => {
    const project = parseConfigText(await fixture('full.yaml'), 'full.yaml');
    const resolved = containerConfigFor(project, annotated(shipped), 'app');
    assert.equal(resolved.source, 'project');
    assert.equal(resolved.config?.image, 'podloop/node-dev');
  });

  void test('an invalid annotation is reported against the annotation and workload', () => {
    const error = configError(() => containerConfigFor(undefined, annotated('version: 1\nworkloads: {}\n'), undefined));
    assert.equal(error.file, 'annotation podloop.dev/config on Deployment shop/web');
    assert.deepEqual([error.field, error.line, error.column], ['workloads', 2, 12]);
  });
});
