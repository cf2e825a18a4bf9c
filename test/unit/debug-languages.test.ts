// Debugger defaults per language: the command that starts the program under its debugger, the
// language a command implies, and the IDE attach settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildsBeforeListening,
  debugCommand,
  debugCommandProblem,
  debuggerRequirements,
  detectLanguage,
  listeningProbe,
  pythonScript,
  vscodeLaunchConfig,
} from '../../server/debug/languages.js';

void test('each language starts the program under its debugger listening on every address', () => {
  assert.deepEqual(debugCommand('node', ['node', 'server.js'], 9229), ['node', '--inspect=0.0.0.0:9229', 'server.js']);
  assert.deepEqual(debugCommand('node', ['npm', 'start'], 9229), [
    'env',
    'NODE_OPTIONS=--inspect=0.0.0.0:9229',
    'npm',
    'start',
  ]);
  assert.deepEqual(debugCommand('java', ['java', '-jar', 'app.jar'], 5005), [
    'java',
    '-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:5005',
    '-jar',
    'app.jar',
  ]);
  assert.deepEqual(debugCommand('python', ['python3', 'app.py'], 5678), [
    'python3',
    '-m',
    'debugpy',
    '--listen',
    '0.0.0.0:5678',
    'app.py',
  ]);
  assert.deepEqual(debugCommand('go', ['/app/server', '-v'], 2345), [
    'dlv',
    'exec',
    '--headless',
    '--listen=:2345',
    '--api-version=2',
    '--accept-multiclient',
    '--continue',
    '/app/server',
    '--',
    '-v',
  ]);
});

void test('Python interpreter options stay before debugpy, a console script runs by its path, a command already under debugpy is kept', () => {
  assert.deepEqual(debugCommand('python', ['python3', '-u', '-X', 'dev', '-m', 'flask', 'run'], 5678), [
    'python3',
    '-u',
    '-X',
    'dev',
    '-m',
    'debugpy',
    '--listen',
    '0.0.0.0:5678',
    '-m',
    'flask',
    'run',
  ]);
  const own = ['python3', '-m', 'debugpy', '--listen', '0.0.0.0:6000', '--wait-for-client', 'app.py'];
  assert.deepEqual(debugCommand('python', own, 5678), own);
  assert.deepEqual(debugCommand('python', ['gunicorn', 'app:app'], 5678), [
    'sh',
    '-c',
    'exec python3 -m debugpy --listen 0.0.0.0:5678 "$(command -v "$0" || echo "$0")" "$@"',
    'gunicorn',
    'app:app',
  ]);
});

void test('go run becomes dlv debug with the build flags, package and program arguments kept apart', () => {
  assert.deepEqual(debugCommand('go', ['go', 'run', '-tags', 'dev', '-race', './cmd/api', '--port', '80'], 2345), [
    'dlv',
    'debug',
    '--headless',
    '--listen=:2345',
    '--api-version=2',
    '--accept-multiclient',
    '--continue',
    '--output=/tmp/podloop-debug-2345',
    '--build-flags=-tags=dev -race',
    './cmd/api',
    '--',
    '--port',
    '80',
  ]);
  assert.deepEqual(debugCommand('go', ['go', 'run', 'main.go', 'util.go', 'x'], 2345).slice(-4), [
    'main.go',
    'util.go',
    '--',
    'x',
  ]);
  assert.match(
    debugCommand('go', ['go', 'run', '-ldflags', '-s -w', '.'], 2345).join('\n'),
    /--build-flags='-ldflags=-s -w'/,
  );
  assert.match(debugCommandProblem('go', ['go', 'build', '.']) ?? '', /not 'go build \.'/);
  assert.equal(debugCommandProblem('go', ['go', 'run', '.']), undefined);
});

void test('the debugger requirements name what to check, first the interpreter or debugger, then the toolchain', () => {
  assert.deepEqual(
    debuggerRequirements('python', ['python3.11', 'app.py']).map((r) => [r.name, r.probe]),
    [
      ['python3.11', ['sh', '-c', 'command -v "$0" >/dev/null', 'python3.11']],
      ['debugpy', ['python3.11', '-c', 'import debugpy']],
    ],
  );
  assert.deepEqual(
    debuggerRequirements('go', ['go', 'run', '.']).map((r) => r.name),
    ['dlv', 'go'],
  );
  assert.deepEqual(
    debuggerRequirements('go', ['./server']).map((r) => r.name),
    ['dlv'],
  );
  assert.deepEqual(debuggerRequirements('node', ['node', 'x.js']), []);
  assert.equal(buildsBeforeListening('go', debugCommand('go', ['go', 'run', '.'], 2345)), true);
  assert.equal(buildsBeforeListening('go', debugCommand('go', ['./server'], 2345)), false);
});

void test('the language follows from the program name', () => {
  assert.equal(detectLanguage(['/usr/bin/node', 'x.js']), 'node');
  assert.equal(detectLanguage(['python3.12', 'x.py']), 'python');
  assert.equal(detectLanguage(['java', '-jar', 'x.jar']), 'java');
  assert.equal(detectLanguage(['./server']), undefined);
});

void test('the listening probe looks for the port in hex in LISTEN state', () => {
  assert.match(listeningProbe(9229).join(' '), /:240D \[0-9A-F\]\+:\[0-9A-F\]\+ 0A /);
});

void test('VS Code attach settings point at the local port and map the remote folder', () => {
  const node = vscodeLaunchConfig('node', 'web', 40000, '/app');
  assert.equal(node.type, 'node');
  assert.equal(node.port, 40000);
  assert.equal(node.remoteRoot, '/app');
  const python = vscodeLaunchConfig('python', 'web', 40001, '/srv');
  assert.deepEqual(python.connect, { host: '127.0.0.1', port: 40001 });
  assert.deepEqual(python.pathMappings, [{ localRoot: '${workspaceFolder}', remoteRoot: '/srv' }]);
  const go = vscodeLaunchConfig('go', 'web', 40002, '/srv');
  assert.equal(go.mode, 'remote');
  assert.deepEqual(go.substitutePath, [{ from: '${workspaceFolder}', to: '/srv' }]);
});

void test('the script a Python command runs is found past interpreter options, and -m or -c has none', () => {
  assert.equal(pythonScript(['python3', '-u', '-X', 'dev', 'app/main.py', '--port', '80']), 'app/main.py');
  assert.equal(pythonScript(['python3', '-m', 'flask', 'run']), undefined);
  assert.equal(pythonScript(['python3', '-c', 'print(1)']), undefined);
  assert.equal(pythonScript(['gunicorn', 'app:app']), undefined);
});
