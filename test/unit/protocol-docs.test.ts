// docs/protocol.md is generated from protocol/: this fails when someone changed the protocol and
// forgot `npm run docs:protocol`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { methods } from '../../protocol/methods.js';
import { docPath, renderProtocolDoc } from '../../scripts/gen-protocol-docs.js';

void test('docs/protocol.md matches the protocol definitions', () => {
  const expected = renderProtocolDoc();
  const actual = readFileSync(docPath, 'utf8');
  assert.ok(actual === expected, 'docs/protocol.md is stale: run `npm run docs:protocol` and commit the result');
});

void test('the protocol document describes every method and the fields of its params', () => {
  const doc = renderProtocolDoc();
  for (const info of methods) assert.ok(doc.includes(`### \`${info.method}\``), `${info.method} has a section`);
  assert.match(doc, /\| `namespace\?` \| `string` \| Namespace to list\./);
  assert.match(doc, /\| -32010 \| NotSupportedYet \|/);
});
