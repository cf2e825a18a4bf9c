#!/usr/bin/env node
// Runs the whole test suite with node's test runner over the compiled tests in dist/test.
// Unit tests first (fast feedback), then the protocol, integration and end-to-end layers.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const layers = ['unit', 'protocol', 'integration', 'e2e']
  .map((layer) => join('dist', 'test', layer))
  .filter((dir) => existsSync(join(root, dir)));
const extra = process.argv.slice(2);
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=300000', ...extra, ...layers],
  { cwd: root, stdio: 'inherit', env: { ...process.env, PODLOOP_TEST: '1' } },
);
process.exit(result.status ?? 1);
