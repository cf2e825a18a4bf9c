// docs/protocol.md is generated from protocol/: this fails when someone changed the protocol and
// forgot `npm run docs:protocol`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { methods } from '../../protocol/methods.js';
import { docPath, metaModelPath, renderMetaModel, renderProtocolDoc } from '../../scripts/gen-protocol-docs.js';

void test('docs/protocol.md matches the protocol definitions', async () => {
  const expected = await renderProtocolDoc();
  const actual = readFileSync(docPath, 'utf8');
  assert.ok(actual === expected, 'docs/protocol.md is stale: run `npm run docs:protocol` and commit the result');
});

void test('the protocol document describes every method and the fields of its params', async () => {
  const doc = await renderProtocolDoc();
  for (const info of methods) assert.ok(doc.includes(`### \`${info.method}\``), `${info.method} has a section`);
  assert.match(doc, /\| `namespace\?` +\| `string` +\| Namespace to list\./);
  assert.match(doc, /\| -32010 +\| NotSupportedYet +\|/);
});

void test('protocol/metaModel.json matches the protocol definitions and lists every method', async () => {
  const actual = readFileSync(metaModelPath, 'utf8');
  assert.ok(
    actual === (await renderMetaModel()),
    'protocol/metaModel.json is stale: run `npm run docs:protocol` and commit the result',
  );
  const model = JSON.parse(actual) as {
    methods: { method: string }[];
    structures: { name: string; properties: { name: string }[] }[];
  };
  assert.deepEqual(
    model.methods.map((info) => info.method),
    methods.map((info) => info.method),
  );
  const devStart = model.structures.find((structure) => structure.name === 'DevStartParams');
  assert.ok(
    devStart?.properties.some((property) => property.name === 'workDoneToken'),
    'inherited fields are included',
  );
});
