// Builds the JVM client with javac and runs its Java tests: framing, connection, contract, and
// the real engine driven from Java, against a sandbox cluster this test starts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { engineMain } from '../helpers/engine.js';
import { run, startTestSandbox } from '../helpers/sandbox.js';
import type { TestSandbox } from '../helpers/sandbox.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const buildScript = join(root, 'scripts', 'build-jetbrains.mjs');
const classpathFile = join(root, 'clients', 'jetbrains', 'build', 'test-classpath.txt');
const javaTests = [
  'MessageFramingTest',
  'JsonRpcConnectionTest',
  'ContractTest',
  'EngineLifecycleTest',
  'EngineSandboxTest',
].map((name) => `dev.podloop.client.${name}`);

let sandbox: TestSandbox;
const namespace = 'jvm-client';

before(async () => {
  const build = await run(process.execPath, [buildScript], { timeoutMs: 300_000 });
  assert.equal(build.code, 0, `build-jetbrains failed:\n${build.stdout}\n${build.stderr}`);
  sandbox = await startTestSandbox();
  const create = (plural: string, object: Record<string, unknown>) =>
    sandbox.sandbox.store.create(resourceByPlural(plural), object as never);
  create('namespaces', { metadata: { name: namespace } });
  create('deployments', {
    metadata: { name: 'web', namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image: 'podloop/web-app:1.0' }] },
      },
    },
  });
});

after(async () => {
  await sandbox?.close();
});

/** Runs java to completion, killing it when the test's deadline passes. */
function java(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

void test('the Java tests pass against the real engine and the sandbox', async (t) => {
  const result = await java(
    [
      `-Dpodloop.engine=${engineMain}`,
      `-Dpodloop.node=${process.execPath}`,
      `-Dpodloop.sandbox.kubeconfig=${sandbox.sandbox.kubeconfigPath}`,
      `-Dpodloop.sandbox.namespace=${namespace}`,
      '-Dpodloop.sandbox.workload=web',
      '-cp',
      readFileSync(classpathFile, 'utf8'),
      'dev.podloop.client.TestMain',
      ...javaTests,
    ],
    240_000,
  );
  for (const line of result.output.split('\n')) if (line.startsWith('ok ')) t.diagnostic(line);
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /EngineSandboxTest\)/);
  assert.match(result.output, / 0 failed, 0 ignored/);
});
