// The sandbox kubelet runs pods as real bubblewrap processes: status, probes, restarts, logs,
// exec, port-forward, deletion and image pull failures, against a real ObjectStore.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { startKubelet, type Kubelet } from '../../sandbox/kubelet/kubelet.js';
import { ROOTLESS } from '../../sandbox/kubelet/network.js';
import { NODE_NAME } from '../../sandbox/store/cluster.js';
import type { KubeObject, KubeObjectInput } from '../../sandbox/store/objects.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';
import { ObjectStore } from '../../sandbox/store/store.js';
import { waitFor } from '../helpers/sandbox.js';

const PODS = resourceByPlural('pods');
const NAMESPACES = resourceByPlural('namespaces');
const CONFIGMAPS = resourceByPlural('configmaps');
const EVENTS = resourceByPlural('events');

interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state: { waiting?: { reason: string }; running?: unknown; terminated?: { exitCode: number; reason: string } };
  lastState: { terminated?: { exitCode: number; reason: string; message?: string } };
}
interface PodStatus {
  phase?: string;
  podIP?: string;
  conditions?: { type: string; status: string }[];
  containerStatuses?: ContainerStatus[];
}

async function readAll(stream: Readable | null): Promise<string> {
  if (!stream) return '';
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

void describe('sandbox kubelet', { concurrency: true }, () => {
  let store: ObjectStore;
  let kubelet: Kubelet;
  let stateDir: string;

  before(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'podloop-kubelet-'));
    store = new ObjectStore();
    kubelet = startKubelet({ store, stateDir, backoffBaseMs: 200, backoffMaxMs: 2000, probeSecondMs: 200 });
  });

  after(async () => {
    await kubelet.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  function namespace(name: string): string {
    store.create(NAMESPACES, { metadata: { name } });
    return name;
  }

  function createPod(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
    return store.create(PODS, {
      metadata: { name, namespace: ns },
      spec: { nodeName: NODE_NAME, ...spec },
    } as KubeObjectInput);
  }

  function status(ns: string, name: string): PodStatus {
    return (store.tryGet(PODS, ns, name)?.status ?? {}) as PodStatus;
  }

  function container(ns: string, name: string, index = 0): ContainerStatus | undefined {
    return status(ns, name).containerStatuses?.[index];
  }

  function isReady(ns: string, name: string): boolean {
    return status(ns, name).conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }

  function events(ns: string): string[] {
    return store.list(EVENTS, { namespace: ns }).items.map((e) => `${String(e.reason)}: ${String(e.message)}`);
  }

  async function logs(ns: string, name: string, options: Parameters<Kubelet['logs']>[2] = {}): Promise<string> {
    return readAll(await kubelet.logs(ns, name, options));
  }

  void test('a web-app pod becomes Running and Ready behind its readiness probe and answers through port-forward', async () => {
    const ns = namespace('ready');
    createPod(ns, 'web', {
      containers: [
        {
          name: 'app',
          image: 'podloop/web-app:1.0',
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
        },
      ],
    });
    await waitFor('pod Ready', () => isReady(ns, 'web'));
    const s = status(ns, 'web');
    assert.equal(s.phase, 'Running');
    assert.match(s.podIP ?? '', /^127\.42\.\d+\.\d+$/);
    assert.equal(container(ns, 'web')?.ready, true);

    const socket = await kubelet.portForward(ns, 'web', 8080);
    socket.write('GET / HTTP/1.0\r\nHost: x\r\n\r\n');
    const response = await readAll(socket);
    assert.match(response, /^HTTP\/1\.1 200/);
    assert.match(response, /Hello from podloop web-app/);
    await assert.rejects(kubelet.portForward(ns, 'web', 8081), /refused/);
    assert.match(await logs(ns, 'web'), /GET \/healthz 200/);
  });

  void test('the entrypoint is PID 1, the hostname is the pod name, env and configMap volumes are visible', async () => {
    const ns = namespace('identity');
    store.create(CONFIGMAPS, {
      metadata: { name: 'settings', namespace: ns },
      data: { 'app.conf': 'mode=dev', color: 'blue' },
    });
    createPod(ns, 'ident', {
      containers: [
        {
          name: 'main',
          image: 'podloop/busybox',
          command: [
            'sh',
            '-c',
            'echo "pid=$$ host=$(hostname) greeting=$GREETING color=$COLOR pod=$POD_NAME conf=$(cat /etc/app/app.conf)"; exec sleep 1000',
          ],
          env: [
            { name: 'GREETING', value: 'hi' },
            { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'color' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'settings' } }],
    });
    const line = await waitFor('the identity line', () => {
      const text = readLogSync(ns, 'ident', 'main');
      return text.includes('pid=') ? text : undefined;
    });
    assert.match(line, /pid=1 host=ident greeting=hi color=blue pod=ident conf=mode=dev/);

    // A changed configMap reaches the mounted files of the running container.
    await waitFor('running', () => container(ns, 'ident')?.state.running !== undefined);
    const settings = store.get(CONFIGMAPS, ns, 'settings');
    store.update(CONFIGMAPS, { ...settings, data: { 'app.conf': 'mode=prod' } });
    let seen = '';
    await waitFor('the new configMap contents', async () => {
      const cat = await kubelet.exec(ns, 'ident', 'main', ['sh', '-c', 'cat /etc/app/app.conf; echo; ls /etc/app'], {
        stdin: false,
        stdout: true,
        stderr: true,
        tty: false,
      });
      seen = await readAll(cat.stdout);
      return seen === 'mode=prod\napp.conf\n';
    });
  });

  function readLogSync(ns: string, name: string, containerName: string): string {
    const pod = store.tryGet(PODS, ns, name);
    if (!pod) return '';
    const file = join(stateDir, 'pods', pod.metadata.uid, 'logs', containerName, '0.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  void test('two containers of one pod talk over localhost', async () => {
    const ns = namespace('pair');
    const server = "require('net').createServer((s) => s.end('hello from server\\n')).listen(9000, '127.0.0.1')";
    const client = [
      "const net = require('net');",
      "function tryOnce() { const s = net.connect(9000, '127.0.0.1');",
      "  s.on('data', (d) => { console.log('client got: ' + d.toString().trim()); });",
      "  s.on('error', () => setTimeout(tryOnce, 100)); }",
      'tryOnce(); setInterval(() => {}, 1000);',
    ].join('\n');
    createPod(ns, 'pair', {
      containers: [
        { name: 'server', image: 'podloop/node-dev', command: ['node', '-e', server] },
        { name: 'client', image: 'podloop/node-dev', command: ['node', '-e', client] },
      ],
    });
    await waitFor('client output', () => readLogSync(ns, 'pair', 'client').includes('client got: hello from server'));
  });

  void test('init containers run in order; a sidecar keeps running beside the app and stops when the pod completes', async () => {
    const ns = namespace('init');
    // Probes connect and drop at once: the server must shrug off resets.
    const sidecar =
      "require('net').createServer((s) => { s.on('error', () => {}); s.end('from sidecar\\n'); }).listen(9100, '127.0.0.1')";
    const client =
      "const s = require('net').connect(9100, '127.0.0.1'); s.on('data', (d) => process.stdout.write('app got ' + d)); s.on('end', () => process.exit(0));";
    createPod(ns, 'init', {
      restartPolicy: 'Never',
      initContainers: [
        {
          name: 'prepare',
          image: 'podloop/busybox',
          command: ['sh', '-c', 'echo prepared > /shared/state'],
          volumeMounts: [{ name: 'work', mountPath: '/shared' }],
        },
        {
          name: 'proxy',
          image: 'podloop/node-dev',
          restartPolicy: 'Always',
          command: ['node', '-e', sidecar],
          startupProbe: { tcpSocket: { port: 9100 }, periodSeconds: 1 },
        },
      ],
      containers: [
        {
          name: 'app',
          image: 'podloop/node-dev',
          command: ['sh', '-c', `cat /shared/state; exec node -e "${client}"`],
          volumeMounts: [{ name: 'work', mountPath: '/shared' }],
        },
      ],
      volumes: [{ name: 'work', emptyDir: {} }],
    });
    await waitFor('Succeeded', () => status(ns, 'init').phase === 'Succeeded');
    assert.equal(await logs(ns, 'init', { container: 'app' }), 'prepared\napp got from sidecar\n');
    const inits = (status(ns, 'init') as { initContainerStatuses?: ContainerStatus[] }).initContainerStatuses ?? [];
    assert.equal(inits[0]?.state.terminated?.reason, 'Completed');
    await waitFor('the sidecar stopped', () => {
      const current = (status(ns, 'init') as { initContainerStatuses?: ContainerStatus[] }).initContainerStatuses ?? [];
      return current[1]?.state.terminated !== undefined;
    });
  });

  void test('a crashing container restarts with back-off, keeps the previous log and counts restarts', async () => {
    const ns = namespace('crash');
    createPod(ns, 'crash', {
      containers: [
        {
          name: 'app',
          image: 'podloop/busybox',
          command: ['sh', '-c', 'echo one; echo two; echo three; echo boom > /dev/termination-log; exit 3'],
        },
      ],
    });
    const seen = new Set<string>();
    // The back-off window is short here (200 ms doubling): record every waiting reason seen on the way
    // instead of requiring the poll to land inside one.
    await waitFor(
      'two restarts after a CrashLoopBackOff',
      () => {
        const c = container(ns, 'crash');
        if (c?.state.waiting) seen.add(c.state.waiting.reason);
        return (c?.restartCount ?? 0) >= 2 && seen.has('CrashLoopBackOff') ? c : undefined;
      },
      40_000,
    );
    assert.ok(seen.has('CrashLoopBackOff'));
    const c = container(ns, 'crash')!;
    assert.deepEqual(
      [c.lastState.terminated?.exitCode, c.lastState.terminated?.reason, c.lastState.terminated?.message],
      [3, 'Error', 'boom\n'],
    );
    assert.equal(status(ns, 'crash').phase, 'Running');
    assert.equal(await logs(ns, 'crash', { previous: true }), 'one\ntwo\nthree\n');
    assert.equal(await logs(ns, 'crash', { previous: true, tailLines: 1 }), 'three\n');
    assert.match(
      await logs(ns, 'crash', { previous: true, timestamps: true, limitBytes: 40 }),
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one\n/,
    );
    assert.ok(events(ns).some((e) => e.startsWith('BackOff: Back-off restarting failed container app')));
  });

  void test('a finished container with restartPolicy Never ends the pod as Succeeded and follow ends with it', async () => {
    const ns = namespace('job');
    createPod(ns, 'once', {
      restartPolicy: 'Never',
      containers: [{ name: 'app', image: 'podloop/busybox', command: ['sh', '-c', 'echo a; sleep 0.5; echo b'] }],
    });
    await waitFor('running', () => container(ns, 'once')?.state.running !== undefined);
    assert.equal(await logs(ns, 'once', { follow: true }), 'a\nb\n');
    await waitFor('Succeeded', () => status(ns, 'once').phase === 'Succeeded');
    // The finished pod's sandbox is gone; port-forward has nothing to reach.
    await waitFor('the sandbox torn down', () =>
      status(ns, 'once').conditions?.some((c) => c.type === 'PodReadyToStartContainers' && c.status === 'False'),
    );
    await assert.rejects(kubelet.portForward(ns, 'once', 80), /not running/);
    assert.equal(container(ns, 'once')?.state.terminated?.reason, 'Completed');
    await assert.rejects(
      kubelet.logs(ns, 'once', { previous: true }),
      /previous terminated container "app" in pod "once" not found/,
    );
  });

  void test('a failing liveness probe restarts the container', async () => {
    const ns = namespace('live');
    createPod(ns, 'live', {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'app',
          image: 'podloop/busybox',
          command: ['sh', '-c', 'touch /tmp/healthy; exec sleep 1000'],
          livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
        },
      ],
    });
    await waitFor('running', () => container(ns, 'live')?.state.running !== undefined);
    const rm = await kubelet.exec(ns, 'live', 'app', ['rm', '/tmp/healthy'], {
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    assert.equal((await rm.exited).exitCode, 0);
    await waitFor('a restart', () => (container(ns, 'live')?.restartCount ?? 0) >= 1);
    assert.ok(events(ns).some((e) => e.startsWith('Unhealthy: Liveness probe failed')));
    assert.ok(events(ns).some((e) => e === 'Killing: Container app failed liveness probe, will be restarted'));
  });

  void test('exec passes stdin through and reports the exit code; with a TTY it honours the terminal size', async () => {
    const ns = namespace('exec');
    createPod(ns, 'shell', { containers: [{ name: 'app', image: 'podloop/busybox', command: ['sleep', '1000'] }] });
    await waitFor('running', () => container(ns, 'shell')?.state.running !== undefined);

    const cat = await kubelet.exec(ns, 'shell', undefined, ['sh', '-c', 'cat; echo err >&2; exit 7'], {
      stdin: true,
      stdout: true,
      stderr: true,
      tty: false,
    });
    cat.stdin!.end('hello stdin\n');
    const [out, err, exit] = await Promise.all([readAll(cat.stdout), readAll(cat.stderr), cat.exited]);
    assert.deepEqual([out, err, exit.exitCode], ['hello stdin\n', 'err\n', 7]);

    const tty = await kubelet.exec(ns, 'shell', 'app', ['sh', '-c', 'read x; stty size; tty; exit 4'], {
      stdin: true,
      stdout: true,
      stderr: false,
      tty: true,
    });
    tty.resize(100, 30);
    const output = readAll(tty.stdout);
    tty.stdin!.write('go\n');
    assert.equal((await tty.exited).exitCode, 4);
    const text = await output;
    assert.match(text, /30 100/);
    assert.match(text, /\/dev\/pts\/\d+/);

    await assert.rejects(
      kubelet.exec(ns, 'shell', 'nope', ['true'], { stdin: false, stdout: true, stderr: true, tty: false }),
      /not valid/,
    );
  });

  void test("attach reaches a tty container's shell, with resize, and its exit restarts the container", async () => {
    const ns = namespace('attach');
    createPod(ns, 'term', { containers: [{ name: 'app', image: 'podloop/busybox', stdin: true, tty: true }] });
    await waitFor('running', () => container(ns, 'term')?.state.running !== undefined);
    const session = await kubelet.attach(ns, 'term', undefined, { stdin: true, stdout: true, stderr: true, tty: true });
    let output = '';
    session.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    session.resize(90, 33);
    session.stdin!.write('stty size; tty\n');
    await waitFor('the shell answers', () => /33 90/.test(output) && /\/dev\/pts\/\d/.test(output));
    session.stdin!.write('exit 5\n');
    assert.equal((await session.exited).exitCode, 5);
    await waitFor('a restart', () => container(ns, 'term')?.lastState.terminated?.exitCode === 5);
  });

  void test('deleting a pod sends SIGTERM its handler can act on, then removes the pod', async () => {
    const ns = namespace('graceful');
    createPod(ns, 'term', {
      terminationGracePeriodSeconds: 20,
      containers: [
        {
          name: 'app',
          image: 'podloop/busybox',
          command: [
            'sh',
            '-c',
            'trap "echo got-sigterm > /data/term; exit 0" TERM; echo trap-set; while true; do sleep 0.1; done',
          ],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'keep' } }],
    });
    // PID 1 only receives SIGTERM once it has a handler, as in any container runtime.
    await waitFor('the handler installed', () => readLogSync(ns, 'term', 'app').includes('trap-set'));
    const started = Date.now();
    store.delete(PODS, ns, 'term');
    await waitFor('pod removed', () => store.tryGet(PODS, ns, 'term') === undefined);
    assert.ok(Date.now() - started < 10_000, 'the pod went before its grace period because its handler exited');
    assert.equal(readFileSync(join(stateDir, 'pvcs', ns, 'keep', 'term'), 'utf8'), 'got-sigterm\n');
  });

  void test('runAsUser sets the identity of the entrypoint and of exec; a preStop hook runs before the stop', async () => {
    const ns = namespace('hooks');
    const hooks = join(stateDir, 'hooks-host-dir');
    mkdirSync(hooks, { recursive: true });
    chmodSync(hooks, 0o777);
    createPod(ns, 'hooks', {
      terminationGracePeriodSeconds: 2,
      securityContext: { runAsUser: 1234, runAsGroup: 1234 },
      containers: [
        {
          name: 'app',
          image: 'podloop/busybox',
          command: ['sh', '-c', 'id -u > /hooks/uid; exec sleep 1000'],
          lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo bye from $(id -u) > /hooks/prestop'] } } },
          volumeMounts: [{ name: 'hooks', mountPath: '/hooks' }],
        },
      ],
      volumes: [{ name: 'hooks', hostPath: { path: hooks } }],
    });
    await waitFor('running', () => container(ns, 'hooks')?.state.running !== undefined);
    const id = await kubelet.exec(ns, 'hooks', 'app', ['id', '-u'], {
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    // Without root the pod's user namespace maps root only, and runAsUser is not applied.
    const uid = ROOTLESS ? '0' : '1234';
    assert.equal(await readAll(id.stdout), `${uid}\n`);
    store.delete(PODS, ns, 'hooks');
    await waitFor('pod removed', () => store.tryGet(PODS, ns, 'hooks') === undefined);
    assert.equal(readFileSync(join(hooks, 'uid'), 'utf8'), `${uid}\n`);
    assert.equal(readFileSync(join(hooks, 'prestop'), 'utf8'), `bye from ${uid}\n`);
  });

  void test("a missing executable is a StartError; changing a pod's image restarts its container", async () => {
    const ns = namespace('start');
    createPod(ns, 'missing', { containers: [{ name: 'app', image: 'podloop/busybox', command: ['no-such-binary'] }] });
    createPod(ns, 'swap', {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'app', image: 'podloop/busybox', command: ['sleep', '1000'] }],
    });
    await waitFor('a StartError', () => container(ns, 'missing')?.lastState.terminated?.reason === 'StartError');
    assert.equal(container(ns, 'missing')?.lastState.terminated?.exitCode, 128);
    assert.match(
      container(ns, 'missing')?.lastState.terminated?.message ?? '',
      /exec: "no-such-binary": executable file not found/,
    );

    await waitFor('running', () => container(ns, 'swap')?.state.running !== undefined);
    const pod = store.get(PODS, ns, 'swap');
    const spec = pod.spec as { containers: { image: string }[] };
    spec.containers[0]!.image = 'podloop/node-dev';
    store.update(PODS, pod);
    await waitFor('the new image running', () => {
      const c = status(ns, 'swap').containerStatuses?.[0] as (ContainerStatus & { image?: string }) | undefined;
      return c?.image === 'podloop/node-dev' && c.restartCount === 1 && c.state.running !== undefined;
    });
  });

  void test('an unknown image reports ErrImagePull, then ImagePullBackOff', async () => {
    const ns = namespace('pull');
    createPod(ns, 'ghost', { containers: [{ name: 'app', image: 'example.invalid/nothing-here:1' }] });
    const reasons = new Set<string>();
    await waitFor('ImagePullBackOff', () => {
      const reason = container(ns, 'ghost')?.state.waiting?.reason;
      if (reason) reasons.add(reason);
      return reason === 'ImagePullBackOff';
    });
    assert.ok(reasons.has('ErrImagePull') || events(ns).some((e) => e === 'Failed: Error: ErrImagePull'));
    assert.equal(status(ns, 'ghost').phase, 'Pending');
    assert.ok(events(ns).some((e) => e.startsWith('Failed: Failed to pull image "example.invalid/nothing-here:1"')));
    await assert.rejects(kubelet.logs(ns, 'ghost', {}), /is waiting to start: image can't be pulled/);
  });
});
