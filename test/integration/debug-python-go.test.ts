// debug/start for Python and Go through the real engine: a dev session syncs the project, the program
// runs under debugpy or dlv in the dev container, and a Debug Adapter Protocol client attaches through
// the forward with the returned path mapping, stops at a breakpoint in the synced file and evaluates
// there. A container without the debugger fails fast with DebuggerNotFound. `podloop debug` prints
// where to attach and keeps the debugger until Ctrl-C.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ResponseError } from 'vscode-jsonrpc/node.js';
import { DevStart } from '../../protocol/dev.js';
import { ErrorCodes } from '../../protocol/errors.js';
import { DebugStart, ExecRun, PortForwardStop, RunStop } from '../../protocol/index.js';
import type { DebugStartParams, DebugStartResult, WorkloadParams } from '../../protocol/index.js';
import { importImage } from '../../sandbox/kubelet/images.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import type { EngineProcess } from '../helpers/engine.js';
import { attachAndBreak, DapClient } from '../helpers/dap.js';
import { dlvCall } from '../helpers/dlvRpc.js';
import { tempDir, waitFor } from '../helpers/sandbox.js';
import { createWorkload, startDevCluster, type DevCluster } from './dev-helpers.js';
import { deployment } from './exec-helpers.js';

let cluster: DevCluster;
const locals: string[] = [];

before(async () => {
  cluster = await startDevCluster();
});

after(async () => {
  await cluster?.close();
  for (const dir of locals) rmSync(dir, { recursive: true, force: true });
});

/** A fresh namespace with a Deployment `name` of `image` whose pod runs; its namespace. */
async function runningDeployment(name: string, image: string): Promise<string> {
  const namespace = cluster.namespace(name);
  await cluster.objects.create('Deployment', namespace, deployment(name, { image }), AbortSignal.timeout(10_000));
  await waitFor(`a running ${name} pod`, () =>
    cluster.sandbox.sandbox.store
      .list(resourceByPlural('pods'), { namespace })
      .items.some((pod) => (pod as unknown as { status?: { phase?: string } }).status?.phase === 'Running'),
  );
  return namespace;
}

/** A project folder with `files`, in dev mode on a fresh Deployment with `image`; the engine that holds it. */
async function devSession(
  image: string,
  files: Record<string, string>,
): Promise<{ engine: EngineProcess; namespace: string; local: string }> {
  const local = tempDir('debug-project');
  locals.push(local);
  // Files starting with #! are executable, as a console script is.
  for (const [name, text] of Object.entries(files))
    writeFileSync(join(local, name), text, { mode: text.startsWith('#!') ? 0o755 : 0o644 });
  const namespace = cluster.namespace('debug');
  await createWorkload(cluster.objects, 'Deployment', namespace, 'shop');
  const engine = await cluster.engine();
  await engine.connection.sendRequest(DevStart.type, {
    kind: 'Deployment',
    name: 'shop',
    namespace,
    image,
    remoteDir: '/app',
    localDir: local,
  });
  return { engine, namespace, local };
}

/** debug/start, with the time until it answered (debugger listening, port forwarded) on stderr. */
async function startTimed(engine: EngineProcess, params: DebugStartParams): Promise<DebugStartResult> {
  const started = performance.now();
  const result = await engine.connection.sendRequest(DebugStart.type, params);
  process.stderr.write(
    `debug/start ${params.command?.join(' ')} → ready: ${Math.round(performance.now() - started)} ms\n`,
  );
  return result;
}

async function stopDebugging(engine: EngineProcess, result: DebugStartResult): Promise<void> {
  await engine.connection.sendRequest(PortForwardStop.type, { id: result.forwardId });
  await engine.connection.sendRequest(RunStop.type, { runId: result.runId });
}

/** The command lines of the processes in the Deployment's container (`shop`, the dev session's, by default). */
async function processes(engine: EngineProcess, namespace: string, name = 'shop'): Promise<string[]> {
  const listed = await engine.connection.sendRequest(ExecRun.type, {
    kind: 'Deployment',
    name,
    namespace,
    command: ['ps', '-eo', 'args'],
  });
  return listed.stdout
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '');
}

/** The line of `file` that holds `marker`, 1-based. */
function lineOf(file: string, marker: string): number {
  const index = file.split('\n').findIndex((line) => line.includes(marker));
  assert.ok(index >= 0, `no ${marker} in the program`);
  return index + 1;
}

const pythonProgram = [
  '#!/usr/bin/python3',
  'import time',
  '',
  'def tick(n):',
  '    total = n * 2',
  '    return total  # breakpoint',
  '',
  'n = 0',
  'while True:',
  '    n += 1',
  '    tick(n)',
  '    time.sleep(0.05)',
  '',
].join('\n');

void test('debug/start runs Python under debugpy and a DAP client stops at a breakpoint in the synced file', async () => {
  const { engine, namespace, local } = await devSession('podloop/python-dev', { 'main.py': pythonProgram });
  const result = await startTimed(engine, {
    kind: 'Deployment',
    name: 'shop',
    namespace,
    command: ['python3', 'main.py'],
  });
  try {
    assert.deepEqual(result.vscodeLaunchConfig, {
      type: 'debugpy',
      request: 'attach',
      name: 'podloop: attach to shop',
      connect: { host: '127.0.0.1', port: result.localPort },
      pathMappings: [{ localRoot: '${workspaceFolder}', remoteRoot: '/app' }],
    });
    assert.deepEqual(result.jetbrains, { host: '127.0.0.1', port: result.localPort });

    // As VS Code does: ${workspaceFolder} becomes the local project folder.
    const line = lineOf(pythonProgram, '# breakpoint');
    const hit = await attachAndBreak(result.localPort, {
      adapterID: 'debugpy',
      attach: { justMyCode: true, pathMappings: [{ localRoot: local, remoteRoot: '/app' }] },
      path: join(local, 'main.py'),
      line,
      expression: 'total == n * 2 and n > 0',
    });
    assert.deepEqual(hit, {
      reason: 'breakpoint',
      frame: { name: 'tick', line, path: join(local, 'main.py') },
      value: 'True',
    });
  } finally {
    await stopDebugging(engine, result);
  }
});

void test('a stopped Python debug run leaves no debugger behind and debugging again, as a script, attaches to the new program', async () => {
  const { engine, namespace, local } = await devSession('podloop/python-dev', { 'main.py': pythonProgram });
  const workload: WorkloadParams = { kind: 'Deployment', name: 'shop', namespace };
  await stopDebugging(
    engine,
    await engine.connection.sendRequest(DebugStart.type, { ...workload, command: ['python3', 'main.py'] }),
  );
  // An executable Python file (a console script such as flask or gunicorn) runs under debugpy by its path.
  const again = await engine.connection.sendRequest(DebugStart.type, {
    ...workload,
    command: ['./main.py'],
    language: 'python',
  });
  try {
    const hit = await attachAndBreak(again.localPort, {
      adapterID: 'debugpy',
      attach: { pathMappings: [{ localRoot: local, remoteRoot: '/app' }] },
      path: join(local, 'main.py'),
      line: lineOf(pythonProgram, '# breakpoint'),
      expression: 'n > 0',
    });
    assert.equal(hit.value, 'True');
  } finally {
    await stopDebugging(engine, again);
  }
  await waitFor(
    'no debugpy process in the dev container',
    async () => !(await processes(engine, namespace)).some((line) => line.includes('debugpy')),
  );
});

const goProgram = [
  'package main',
  '',
  'import (',
  '\t"fmt"',
  '\t"time"',
  ')',
  '',
  'func tick(n int) int {',
  '\ttotal := n * 2',
  '\treturn total // breakpoint',
  '}',
  '',
  'func main() {',
  '\tfor n := 1; ; n++ {',
  '\t\tfmt.Println(tick(n))',
  '\t\ttime.Sleep(50 * time.Millisecond)',
  '\t}',
  '}',
  '',
].join('\n');

void test('debug/start runs go run under dlv, which answers its JSON-RPC API and stops a DAP client at a breakpoint in the synced file', async () => {
  const { engine, namespace, local } = await devSession('podloop/go-dev', {
    'go.mod': 'module example.com/shop\n\ngo 1.19\n',
    'main.go': goProgram,
  });
  // dlv builds the program without optimisations first; a cold build cache takes a while.
  const result = await startTimed(engine, {
    kind: 'Deployment',
    name: 'shop',
    namespace,
    command: ['go', 'run', '.'],
  });
  try {
    assert.deepEqual(result.vscodeLaunchConfig, {
      type: 'go',
      request: 'attach',
      name: 'podloop: attach to shop',
      mode: 'remote',
      debugAdapter: 'dlv-dap',
      host: '127.0.0.1',
      port: result.localPort,
      substitutePath: [{ from: '${workspaceFolder}', to: '/app' }],
    });
    assert.deepEqual(result.jetbrains, { host: '127.0.0.1', port: result.localPort });

    // GoLand's Go Remote speaks dlv's JSON-RPC API on the same port.
    const version = (await dlvCall(result.localPort, 'RPCServer.GetVersion')) as { APIVersion: number };
    assert.equal(version.APIVersion, 2);

    const line = lineOf(goProgram, '// breakpoint');
    const hit = await attachAndBreak(result.localPort, {
      adapterID: 'go',
      attach: { request: 'attach', mode: 'remote', substitutePath: [{ from: local, to: '/app' }] },
      path: join(local, 'main.go'),
      line,
      expression: 'total == n*2 && n > 0',
    });
    assert.deepEqual(hit, {
      reason: 'breakpoint',
      frame: { name: 'main.tick', line, path: join(local, 'main.go') },
      value: 'true',
    });
  } finally {
    await stopDebugging(engine, result);
  }
  await waitFor(
    'neither dlv nor the program in the dev container',
    async () => !(await processes(engine, namespace)).some((line) => /\bdlv\b|podloop-debug-/.test(line)),
  );
});

void test('a Go program that does not build fails debug/start with the exit code instead of waiting', async () => {
  const { engine, namespace } = await devSession('podloop/go-dev', {
    'go.mod': 'module example.com/shop\n\ngo 1.19\n',
    'main.go': 'package main\n\nfunc main() { undefinedCall() }\n',
  });
  const failure = await engine.connection
    .sendRequest(DebugStart.type, { kind: 'Deployment', name: 'shop', namespace, command: ['go', 'run', '.'] })
    .then(
      () => assert.fail('debug/start of a program that does not build succeeded'),
      (error: unknown) => error,
    );
  assert.ok(failure instanceof ResponseError, String(failure));
  assert.equal(failure.code, ErrorCodes.KubernetesError);
  assert.match(failure.message, /exited with code [1-9]\d* before its debugger listened on port 2345/);
});

/**
 * An image with busybox's tools on PATH and a python3 without site-packages: a minimal image that
 * has no debugpy and no dlv.
 */
async function importMinimalImage(): Promise<string> {
  const dir = tempDir('minimal-image');
  locals.push(dir);
  const bin = join(dir, 'rootfs', 'bin');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['sh', 'cat', 'grep', 'sleep', 'setsid', 'kill', 'rm', 'tar', 'mkdir'])
    symlinkSync('/usr/bin/busybox', join(bin, tool));
  writeFileSync(join(bin, 'python3'), '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
  chmodSync(join(bin, 'python3'), 0o755);
  const manifest = {
    cmd: ['sh', '-c', "trap 'exit 0' TERM; sleep 3600 & wait"],
    env: { PATH: '/bin' },
    workingDir: '/app',
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return (await importImage(cluster.sandbox.stateDir, dir, 'test/minimal:1')).name;
}

void test('debug/start fails fast with DebuggerNotFound naming debugpy or dlv when the image lacks it', async () => {
  const namespace = await runningDeployment('tiny', await importMinimalImage());
  const engine = await cluster.engine();
  const expectMissing = async (command: string[], missing: string, language?: 'go'): Promise<void> => {
    const failure = await engine.connection
      .sendRequest(DebugStart.type, {
        kind: 'Deployment',
        name: 'tiny',
        namespace,
        command,
        ...(language ? { language } : {}),
      })
      .then(
        () => assert.fail(`debug/start of ${command.join(' ')} succeeded without ${missing}`),
        (error: unknown) => error,
      );
    assert.ok(failure instanceof ResponseError, String(failure));
    assert.equal(failure.code, ErrorCodes.DebuggerNotFound, failure.message);
    assert.match(failure.message, new RegExp(`has no ${missing}\\b`));
    assert.deepEqual(
      {
        missing: (failure.data as { missing: string }).missing,
        container: (failure.data as { container: string }).container,
      },
      { missing, container: 'app' },
    );
  };
  await expectMissing(['python3', 'main.py'], 'debugpy');
  await expectMissing(['go', 'run', '.'], 'dlv');
  await expectMissing(['./server'], 'dlv', 'go');
});

void test('debug/start of a Python script that is not in the container fails with InvalidParams naming it', async () => {
  const namespace = await runningDeployment('noscript', 'podloop/python-dev');
  const engine = await cluster.engine();
  const failure = await engine.connection
    .sendRequest(DebugStart.type, {
      kind: 'Deployment',
      name: 'noscript',
      namespace,
      command: ['python3', 'missing.py'],
    })
    .then(
      () => assert.fail('debug/start of a missing script succeeded'),
      (error: unknown) => error,
    );
  assert.ok(failure instanceof ResponseError, String(failure));
  assert.equal(failure.code, ErrorCodes.InvalidParams);
  assert.match(failure.message, /^missing\.py is not a file in container app/);
  assert.deepEqual(
    (await processes(engine, namespace, 'noscript')).filter((line) => line.includes('debugpy')),
    [],
    'nothing was started',
  );
});

void test('podloop debug prints where to attach, a DAP client lists the program threads there, Ctrl-C ends it', async () => {
  const namespace = await runningDeployment('cli', 'podloop/python-dev');
  const cliMain = fileURLToPath(new URL('../../clients/cli/main.js', import.meta.url));
  const program = ['python3', '-c', 'import time\nwhile True: time.sleep(0.1)'];
  const child = spawn(process.execPath, [cliMain, '-n', namespace, 'debug', 'deploy/cli', '--', ...program], {
    env: cluster.sandbox.env,
  });
  try {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const port = await waitFor(
      'the attach line',
      () => /Debugger listening on 127\.0\.0\.1:(\d+) \(debugpy speaks DAP/.exec(stdout)?.[1],
      60_000,
    );
    await waitFor('the launch.json entry', () => stdout.includes('Press Ctrl-C'));
    assert.match(stdout, /"type": "debugpy"/);
    const client = await DapClient.connect(Number(port));
    try {
      await client.request('initialize', { adapterID: 'debugpy', pathFormat: 'path' });
      const attached = client.request('attach', { justMyCode: true });
      await client.nextEvent('initialized');
      await client.request('configurationDone');
      await attached;
      const { threads } = (await client.request('threads')) as { threads: { name: string }[] };
      assert.ok(
        threads.some((thread) => thread.name === 'MainThread'),
        JSON.stringify(threads),
      );
      await client.request('disconnect', {});
    } finally {
      client.close();
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 130);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const engine = await cluster.engine();
  await waitFor(
    'no debugpy process after Ctrl-C',
    async () => !(await processes(engine, namespace, 'cli')).some((line) => line.includes('debugpy')),
  );
});
