// The JVM client stays in step with protocol/: its generated constants are current, and its
// records carry exactly the fields of the TypeScript interfaces they stand for (per the meta model).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { methods } from '../../protocol/methods.js';
import { renderMetaModel } from '../../scripts/gen-protocol-docs.js';
import {
  errorCodesJavaPath,
  methodsJavaPath,
  renderErrorCodesJava,
  renderMethodsJava,
} from '../../scripts/gen-jetbrains-protocol.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const buildScript = join(root, 'scripts', 'build-jetbrains.mjs');
const classpathFile = join(root, 'clients', 'jetbrains', 'build', 'test-classpath.txt');

interface MetaModel {
  structures: { name: string; properties: { name: string }[] }[];
  typeAliases: { name: string; type: string }[];
}

// Meta-model structures the JVM client represents differently, on purpose.
const notRecords = new Set(['MethodInfo', 'ErrorCodeInfo', 'WorkDoneProgressParams']);
// The begin/report/end union is one Java record carrying the fields of all three.
const progressUnion = ['WorkDoneProgressBegin', 'WorkDoneProgressReport', 'WorkDoneProgressEnd'];

/**
 * Field names per protocol type, from the meta model (inherited fields included), with the type
 * aliases that name params (`SyncVerifyParams = WorkloadParams & WorkDoneProgressParams`) flattened.
 */
function protocolFields(model: MetaModel): Map<string, string[]> {
  const byName = new Map(model.structures.map((s) => [s.name, s.properties.map((p) => p.name)]));
  const fields = new Map<string, string[]>();
  for (const [name, props] of byName) {
    if (!notRecords.has(name) && !progressUnion.includes(name)) fields.set(name, props);
  }
  fields.set('WorkDoneProgressValue', [...new Set(progressUnion.flatMap((name) => byName.get(name) ?? []))]);
  for (const alias of model.typeAliases) {
    if (alias.type === 'Record<string, never>') fields.set(alias.name, []);
    const parts = alias.type.split(' & ');
    if (parts.every((part) => byName.has(part)))
      fields.set(
        alias.name,
        parts.flatMap((part) => byName.get(part) ?? []),
      );
  }
  return fields;
}

let javaRecords: Record<string, string[]>;

before(() => {
  const build = spawnSync(process.execPath, [buildScript], { encoding: 'utf8' });
  assert.equal(build.status, 0, `build-jetbrains failed:\n${build.stdout}\n${build.stderr}`);
  const dump = spawnSync('java', ['-cp', readFileSync(classpathFile, 'utf8'), 'dev.podloop.client.ContractDump'], {
    encoding: 'utf8',
  });
  assert.equal(dump.status, 0, `ContractDump failed:\n${dump.stderr}`);
  javaRecords = JSON.parse(dump.stdout) as Record<string, string[]>;
});

void test('the generated Java method and error-code constants match protocol/', () => {
  assert.ok(
    readFileSync(methodsJavaPath, 'utf8') === renderMethodsJava(),
    'Methods.java is stale: run `node dist/scripts/gen-jetbrains-protocol.js` and update PodloopClient',
  );
  assert.ok(
    readFileSync(errorCodesJavaPath, 'utf8') === renderErrorCodesJava(),
    'ErrorCodes.java is stale: run `node dist/scripts/gen-jetbrains-protocol.js`',
  );
});

void test('every protocol type has a Java record with exactly its field names', async () => {
  const expected = protocolFields(JSON.parse(await renderMetaModel()) as MetaModel);
  for (const info of methods) {
    for (const name of [info.params, info.result])
      if (name !== undefined) assert.ok(expected.has(name), `${name} read`);
  }
  assert.deepEqual(expected.get('WorkloadsListParams')?.sort(), [
    'allNamespaces',
    'kinds',
    'namespace',
    'workDoneToken',
  ]);
  const problems: string[] = [];
  for (const [name, fields] of expected) {
    const java = javaRecords[name];
    if (java === undefined) {
      problems.push(`${name}: no Java record (protocol fields: ${fields.join(', ')})`);
      continue;
    }
    const missing = fields.filter((field) => !java.includes(field));
    const extra = java.filter((field) => !fields.includes(field));
    if (missing.length > 0 || extra.length > 0)
      problems.push(`${name}: Java lacks [${missing.join(', ')}], has extra [${extra.join(', ')}]`);
  }
  assert.deepEqual(problems, []);
});
