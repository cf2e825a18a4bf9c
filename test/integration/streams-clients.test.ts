// exec and port-forward on the wire with the real clients: kubectl 1.33 (WebSocket and SPDY) and
// @kubernetes/client-node, against a loopback API stub that routes upgrades to sandbox/streams and
// whose "pod" runs local processes and reaches local TCP servers.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Attach, Exec, KubeConfig, PortForward, type V1Status } from '@kubernetes/client-node';
import WebSocket from 'ws';
import type { ContainerProcess, ExecOptions, PodStreams } from '../../sandbox/kubelet/api.js';
import { ApiError } from '../../sandbox/store/errors.js';
import { handleExecUpgrade, handlePortForwardUpgrade } from '../../sandbox/streams/handlers.js';

const BIG_BYTES = 20 * 1024 * 1024;

/** Deterministic pseudo-random bytes, so a transfer can be checked byte for byte. */
function bigPayload(): Buffer {
  const out = Buffer.allocUnsafe(BIG_BYTES);
  let x = 0x12345678;
  for (let i = 0; i < BIG_BYTES; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeInt32LE(x | 0, i);
  }
  return out;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The "pod": local processes for exec, loopback connections for port-forward. */
/** What the stub's "pod" saw: running exec processes and TTY resizes. */
interface PodActivity {
  processes: Set<ChildProcess>;
  resizes: [number, number][];
  /** Aborting it tells the stream handlers that the pod went away. */
  gone: AbortController;
}

function localPodStreams(activity: PodActivity): PodStreams {
  const children = activity.processes;
  const checkPod = (pod: string, container: string | undefined): void => {
    if (pod !== 'p1') throw new ApiError(404, 'NotFound', `pods "${pod}" not found`);
    if (container !== undefined && container !== 'app') {
      throw new ApiError(400, 'BadRequest', `container ${container} is not valid for pod ${pod}`);
    }
  };
  const run = (command: string[], options: ExecOptions): Promise<ContainerProcess> =>
    new Promise((resolve, reject) => {
      const child = spawn(command[0]!, command.slice(1), {
        stdio: [
          options.stdin ? 'pipe' : 'ignore',
          options.stdout ? 'pipe' : 'ignore',
          options.stderr ? 'pipe' : 'ignore',
        ],
      });
      children.add(child);
      const exited = new Promise<{ exitCode: number }>((done) =>
        child.once('exit', (code, signal) => {
          children.delete(child);
          done({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0) });
        }),
      );
      child.once('error', reject);
      child.once('spawn', () =>
        resolve({
          stdin: child.stdin,
          stdout: child.stdout,
          stderr: child.stderr,
          resize: (columns, rows) => activity.resizes.push([columns, rows]),
          exited,
          kill: () => child.kill('SIGKILL'),
        }),
      );
    });
  return {
    exec: async (_ns, pod, container, command, options) => {
      checkPod(pod, container);
      return run(command, options);
    },
    attach: async (_ns, pod, container, options) => {
      checkPod(pod, container);
      return run(['cat'], options);
    },
    portForward: (_ns, pod, port) =>
      new Promise<Duplex>((resolve, reject) => {
        checkPod(pod, undefined);
        const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      }),
    logs: () => Promise.reject(new ApiError(400, 'BadRequest', 'logs are not part of this stub')),
  };
}

const pod = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: {
    name: 'p1',
    namespace: 'default',
    uid: 'uid-p1',
    resourceVersion: '1',
    creationTimestamp: '2025-01-01T00:00:00Z',
  },
  spec: { containers: [{ name: 'app', image: 'busybox' }] },
  status: {
    phase: 'Running',
    containerStatuses: [
      { name: 'app', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: {} } },
    ],
  },
};

const discovery: Record<string, unknown> = {
  '/version': {
    major: '1',
    minor: '33',
    gitVersion: 'v1.33.1',
    gitCommit: 'stub',
    gitTreeState: 'clean',
    buildDate: '2025-05-15T00:00:00Z',
    goVersion: 'go1.24.2',
    compiler: 'gc',
    platform: 'linux/amd64',
  },
  '/api': {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
  },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
      { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
      {
        name: 'pods/portforward',
        singularName: '',
        namespaced: true,
        kind: 'PodPortForwardOptions',
        verbs: ['create', 'get'],
      },
    ],
  },
  '/api/v1/namespaces/default/pods/p1': pod,
};

interface Stub {
  apiPort: number;
  httpPort: number;
  echoPort: number;
  deadPort: number;
  kubeconfig: string;
  env: NodeJS.ProcessEnv;
  children: Set<ChildProcess>;
  pod: PodActivity;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

async function startStub(big: Buffer): Promise<Stub> {
  const children = new Set<ChildProcess>();
  const podActivity: PodActivity = { processes: new Set(), resizes: [], gone: new AbortController() };
  const streams = localPodStreams(podActivity);
  const api = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = discovery[path];
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify(
        body ?? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404 },
      ),
    );
  });
  api.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/.exec(url.pathname);
    if (!match) {
      socket.destroy();
      return;
    }
    const [, namespace, name, subresource] = match as unknown as [
      string,
      string,
      string,
      'exec' | 'attach' | 'portforward',
    ];
    if (subresource === 'portforward')
      handlePortForwardUpgrade(
        req,
        socket,
        head,
        { namespace, pod: name, query: url.searchParams, uid: 'uid-p1', signal: podActivity.gone.signal },
        streams,
      );
    else handleExecUpgrade(req, socket, head, { namespace, pod: name, query: url.searchParams, subresource }, streams);
  });
  // The pod's web server: a big download and an upload that answers with the body's digest.
  const web = http.createServer((req, res) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'Content-Length': String(big.length) });
      res.end(big);
      return;
    }
    if (req.url === '/digest') {
      const hash = createHash('sha256');
      req.on('data', (chunk: Buffer) => hash.update(chunk));
      req.on('end', () => res.end(hash.digest('hex')));
      return;
    }
    res.end('hello from p1');
  });
  const echo = net.createServer((socket) => socket.pipe(socket));
  const dead = net.createServer();
  const [apiPort, httpPort, echoPort, deadPort] = [
    await listen(api),
    await listen(web),
    await listen(echo),
    await listen(dead),
  ];
  await new Promise<void>((resolve) => dead.close(() => resolve()));

  const dir = mkdtempSync(join(tmpdir(), 'podloop-streams-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'stub', cluster: { server: `http://127.0.0.1:${apiPort}`, 'insecure-skip-tls-verify': true } },
      ],
      users: [{ name: 'stub', user: { token: 'stub-token' } }],
      contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub', namespace: 'default' } }],
      'current-context': 'stub',
    }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    KUBECACHEDIR: join(dir, 'cache'),
    HOME: dir,
  };
  delete env.KUBECTL_REMOTE_COMMAND_WEBSOCKETS;
  delete env.KUBECTL_PORT_FORWARD_WEBSOCKETS;
  return {
    apiPort,
    httpPort,
    echoPort,
    deadPort,
    kubeconfig,
    env,
    children,
    pod: podActivity,
    async close() {
      for (const child of [...children, ...podActivity.processes]) child.kill('SIGKILL');
      for (const server of [api, web, echo]) {
        server.close();
        (server as http.Server).closeAllConnections?.();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubectl(stub: Stub, args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, { env: { ...stub.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    stub.children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      stub.children.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

interface Forward {
  localPort: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts `kubectl port-forward pod/p1 :PORT` and waits for its "Forwarding from" line. */
async function portForward(stub: Stub, port: number, env: NodeJS.ProcessEnv = {}): Promise<Forward> {
  const child = spawn('kubectl', ['port-forward', 'pod/p1', `:${port}`], {
    env: { ...stub.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stub.children.add(child);
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      stub.children.delete(child);
      resolve(code);
    }),
  );
  const localPort = await new Promise<number>((resolve, reject) => {
    const onData = (c: Buffer): void => {
      output += c.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`kubectl port-forward exited: ${output}`)));
  });
  return {
    localPort,
    child,
    output: () => output,
    exited,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function httpRequest(port: number, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

void describe('streams with real clients', () => {
  let stub: Stub;
  let big: Buffer;

  before(async () => {
    big = bigPayload();
    stub = await startStub(big);
  });
  after(async () => {
    await stub.close();
  });

  for (const transport of ['websocket', 'spdy'] as const) {
    const env = transport === 'spdy' ? { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' } : {};

    void it(`kubectl exec (${transport}) passes stdout, stderr and the exit code`, async () => {
      const run = await kubectl(stub, ['exec', 'p1', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { env });
      assert.equal(run.code, 3, run.stderr);
      assert.equal(run.stdout, 'out\n');
      assert.match(run.stderr, /^err\n/);
      assert.match(run.stderr, /command terminated with exit code 3/);
    });

    void it(`kubectl exec -i (${transport}) feeds stdin and closes it`, async () => {
      const run = await kubectl(stub, ['exec', '-i', 'p1', '--', 'cat'], { env, input: 'abc' });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, 'abc');
    });
  }

  void it('killing kubectl mid-exec (spdy) stops the process in the pod', async () => {
    const before = stub.pod.processes.size;
    const run = kubectl(stub, ['exec', 'p1', '--', 'sleep', '30'], {
      env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' },
    });
    const deadline = Date.now() + 10_000;
    while (stub.pod.processes.size === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(stub.pod.processes.size, before + 1);
    for (const child of stub.children) child.kill('SIGKILL');
    await run;
    while (stub.pod.processes.size > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(stub.pod.processes.size, before);
  });

  void it('kubectl exec into an unknown container reports the Status message', async () => {
    const run = await kubectl(stub, ['exec', 'p1', '-c', 'nope', '--', 'true']);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /container nope is not valid for pod p1/);
  });

  for (const transport of ['websocket', 'spdy'] as const) {
    const env = transport === 'spdy' ? { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } : {};

    void it(`kubectl port-forward (${transport}) carries HTTP requests and 20 MB each way intact`, async () => {
      const forward = await portForward(stub, stub.httpPort, env);
      try {
        for (let i = 0; i < 2; i++) {
          const small = await httpRequest(forward.localPort, '/');
          assert.equal(small.body.toString(), 'hello from p1');
        }
        const download = await httpRequest(forward.localPort, '/big');
        assert.equal(download.body.length, big.length);
        assert.equal(sha256(download.body), sha256(big));
        const upload = await httpRequest(forward.localPort, '/digest', big);
        assert.equal(upload.body.toString(), sha256(big));
      } finally {
        await forward.stop();
      }
    });
  }

  for (const transport of ['websocket', 'spdy'] as const) {
    const env = transport === 'spdy' ? { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' } : {};

    void it(`kubectl port-forward (${transport}) exits when the pod goes away`, async () => {
      const forward = await portForward(stub, stub.httpPort, env);
      try {
        assert.equal((await httpRequest(forward.localPort, '/')).body.toString(), 'hello from p1');
        stub.pod.gone.abort();
        const code = await forward.exited;
        assert.notEqual(code, 0);
        assert.match(forward.output(), /lost connection to pod/);
      } finally {
        stub.pod.gone = new AbortController();
        await forward.stop();
      }
    });
  }

  void it('kubectl port-forward to a closed port prints the forwarding error', async () => {
    const forward = await portForward(stub, stub.deadPort);
    try {
      await new Promise<void>((resolve) => {
        const socket = net.connect(forward.localPort, '127.0.0.1');
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.resume();
      });
      const deadline = Date.now() + 10_000;
      while (!forward.output().includes('error forwarding port') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(
        forward.output(),
        new RegExp(`error forwarding port ${stub.deadPort} to pod p1, uid uid-p1: .*ECONNREFUSED`),
      );
    } finally {
      await forward.stop();
    }
  });

  void describe('the WebSocket channel protocol on the wire', () => {
    interface Session {
      ws: WebSocket;
      messages: Buffer[];
      closed: Promise<number>;
    }
    const open = (path: string, protocols: string[]): Promise<Session> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${stub.apiPort}/api/v1/namespaces/default/pods/p1/${path}`, protocols);
        const messages: Buffer[] = [];
        const closed = new Promise<number>((done) => ws.once('close', (code) => done(code)));
        ws.on('message', (data: Buffer) => messages.push(data));
        ws.once('open', () => resolve({ ws, messages, closed }));
        ws.once('error', reject);
      });
    const waitFor = async (what: string, condition: () => boolean): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (!condition()) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    void it('v4 exec with a TTY applies resizes, echoes stdin and ends with the Status and close 1000', async () => {
      const query = 'command=sh&command=-c&command=read+x%3B+echo+got+%24x%3B+exit+2&stdin=true&stdout=true&tty=true';
      const session = await open(`exec?${query}`, ['v4.channel.k8s.io']);
      assert.equal(session.ws.protocol, 'v4.channel.k8s.io');
      session.ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":100,"Height":40}')]));
      await waitFor('the resize', () => stub.pod.resizes.some(([w, h]) => w === 100 && h === 40));
      session.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('abc\n')]));
      assert.equal(await session.closed, 1000);
      assert.deepEqual([...session.messages[0]!], [1]);
      const stdout = session.messages
        .filter((m) => m[0] === 1)
        .map((m) => m.subarray(1).toString())
        .join('');
      assert.equal(stdout, 'got abc\n');
      const status = session.messages.find((m) => m[0] === 3);
      assert.ok(status);
      assert.deepEqual(JSON.parse(status.subarray(1).toString()).details, {
        causes: [{ reason: 'ExitCode', message: '2' }],
      });
    });

    void it('closing the WebSocket mid-exec stops the process', async () => {
      const before = stub.pod.processes.size;
      const session = await open('exec?command=sleep&command=30&stdout=true', ['v5.channel.k8s.io']);
      await waitFor('the process', () => stub.pod.processes.size === before + 1);
      session.ws.close();
      await waitFor('the process to end', () => stub.pod.processes.size === before);
    });

    void it('an exec without a command is refused with a 400 Status before upgrading', async () => {
      const response = await new Promise<{ code: number; body: string }>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${stub.apiPort}/api/v1/namespaces/default/pods/p1/exec?stdout=true`, [
          'v5.channel.k8s.io',
        ]);
        ws.on('error', () => undefined);
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        });
      });
      assert.equal(response.code, 400);
      assert.equal(JSON.parse(response.body).reason, 'BadRequest');
    });
  });

  void describe('@kubernetes/client-node', () => {
    const kubeConfig = (): KubeConfig => {
      const kc = new KubeConfig();
      kc.loadFromFile(stub.kubeconfig);
      return kc;
    };

    for (const [script, expected] of [
      ['echo hi', 'Success'],
      ['exit 4', 'Failure'],
    ] as const) {
      void it(`Exec reports ${expected} through the status callback`, async () => {
        let stdout = '';
        const sink = new Writable({
          write(chunk: Buffer, _e, cb) {
            stdout += chunk.toString();
            cb();
          },
        });
        const status = await new Promise<V1Status>((resolve, reject) => {
          void new Exec(kubeConfig())
            .exec('default', 'p1', 'app', ['sh', '-c', script], sink, process.stderr, null, false, resolve)
            .catch(reject);
        });
        assert.equal(status.status, expected);
        if (expected === 'Success') assert.equal(stdout, 'hi\n');
        else assert.equal(status.details?.causes?.[0]?.message, '4');
      });
    }

    void it('Attach streams stdin to the attached process and its output back', async () => {
      const input = new PassThrough();
      let received = '';
      const output = new Writable({
        write(chunk: Buffer, _e, cb) {
          received += chunk.toString();
          cb();
        },
      });
      const ws = await new Attach(kubeConfig()).attach('default', 'p1', 'app', output, null, input, false);
      try {
        input.write('attached line\n');
        const deadline = Date.now() + 5000;
        while (received !== 'attached line\n' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.equal(received, 'attached line\n');
      } finally {
        input.end();
        ws.close();
      }
    });

    void it('PortForward over v4 strips the port prefix and echoes bytes', async () => {
      const input = new PassThrough();
      let received = '';
      const output = new Writable({
        write(chunk: Buffer, _e, cb) {
          received += chunk.toString();
          cb();
        },
      });
      const ws = (await new PortForward(kubeConfig()).portForward(
        'default',
        'p1',
        [stub.echoPort],
        output,
        null,
        input,
      )) as {
        protocol?: string;
        close(): void;
      };
      try {
        assert.equal(ws.protocol, 'v4.channel.k8s.io');
        input.write('ping through the pod');
        const deadline = Date.now() + 5000;
        while (received !== 'ping through the pod' && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        assert.equal(received, 'ping through the pod');
      } finally {
        input.end();
        ws.close();
      }
    });

    void it('PortForward to a closed port reports the error on the error channel', async () => {
      let errors = '';
      const errorSink = new Writable({
        write(chunk: Buffer, _e, cb) {
          errors += chunk.toString();
          cb();
        },
      });
      const ws = (await new PortForward(kubeConfig()).portForward(
        'default',
        'p1',
        [stub.deadPort],
        new PassThrough(),
        errorSink,
        new PassThrough(),
      )) as {
        close(): void;
      };
      try {
        const deadline = Date.now() + 5000;
        while (!errors.includes('error forwarding') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        assert.match(
          errors,
          new RegExp(`^error forwarding port ${stub.deadPort} to pod p1, uid uid-p1: .*ECONNREFUSED`),
        );
      } finally {
        ws.close();
      }
    });
  });
});
