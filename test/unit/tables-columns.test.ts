import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toTable } from '../../sandbox/apiserver/tables.js';
import { humanDuration } from '../../sandbox/apiserver/tables/format.js';
import type { JsonObject, KubeObject } from '../../sandbox/store/objects.js';
import { resourceByPlural } from '../../sandbox/store/resources.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

function object(kind: string, name: string, body: JsonObject, ageSeconds = 300): KubeObject {
  return {
    apiVersion: 'v1',
    kind,
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      resourceVersion: '9',
      creationTimestamp: ago(ageSeconds),
      labels: { app: 'web' },
    },
    ...body,
  } as KubeObject;
}

function table(
  plural: string,
  items: KubeObject[],
  includeObject: 'None' | 'Metadata' | 'Object' = 'Metadata',
): JsonObject {
  return toTable(resourceByPlural(plural), items, { includeObject, resourceVersion: '42', now: NOW });
}

const cells = (t: JsonObject, row = 0): unknown[] => ((t.rows as JsonObject[])[row] as JsonObject).cells as unknown[];
const columns = (t: JsonObject): string[] =>
  (t.columnDefinitions as JsonObject[]).map((c) => `${String(c.name)}${c.priority ? '*' : ''}`);

void describe('Table output', () => {
  void it('a crash-looping pod reads like kubectl shows it, with the wide columns and PartialObjectMetadata', () => {
    const pod = object('Pod', 'web-7d9', {
      spec: { nodeName: 'podloop-sandbox', containers: [{ name: 'app' }, { name: 'sidecar' }] },
      status: {
        phase: 'Running',
        podIP: '10.244.0.5',
        podIPs: [{ ip: '10.244.0.5' }],
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(65) } },
          },
          { name: 'sidecar', ready: true, restartCount: 0, state: { running: { startedAt: ago(290) } } },
        ],
      },
    });
    const t = table('pods', [pod]);
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '42' });
    assert.deepEqual(columns(t), [
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP*',
      'Node*',
      'Nominated Node*',
      'Readiness Gates*',
    ]);
    assert.deepEqual(cells(t), [
      'web-7d9',
      '1/2',
      'CrashLoopBackOff',
      '3 (65s ago)',
      '5m',
      '10.244.0.5',
      'podloop-sandbox',
      '<none>',
      '<none>',
    ]);
    const row = (t.rows as JsonObject[])[0] as JsonObject;
    assert.equal((row.object as JsonObject).kind, 'PartialObjectMetadata');
    assert.equal(((row.object as JsonObject).metadata as JsonObject).uid, 'uid-web-7d9');
  });

  void it('pod status: creating, init progress, completed and terminating', () => {
    const creating = object('Pod', 'a', {
      spec: { containers: [{ name: 'c' }] },
      status: {
        phase: 'Pending',
        containerStatuses: [
          { name: 'c', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
        ],
      },
    });
    const init = object('Pod', 'b', {
      spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'c' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'i2', restartCount: 0, state: { running: {} } },
        ],
      },
    });
    const done = object('Pod', 'c', {
      spec: { containers: [{ name: 'c' }] },
      status: {
        phase: 'Succeeded',
        containerStatuses: [
          { name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      },
    });
    const leaving = object('Pod', 'd', {
      spec: { containers: [{ name: 'c' }] },
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }],
      },
    });
    leaving.metadata.deletionTimestamp = ago(-30);
    const t = table('pods', [creating, init, done, leaving]);
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => cells(t, i).slice(1, 3)),
      [
        ['0/1', 'ContainerCreating'],
        ['0/1', 'Init:1/2'],
        ['0/1', 'Completed'],
        ['1/1', 'Terminating'],
      ],
    );
    assert.deepEqual(((t.rows as JsonObject[])[2] as JsonObject).conditions, [
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);
  });

  void it('deployments, services, secrets and the NAME AGE default', () => {
    const deploy = object(
      'Deployment',
      'web',
      {
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: {
            spec: {
              containers: [
                { name: 'app', image: 'web:2' },
                { name: 'proxy', image: 'envoy:1' },
              ],
            },
          },
        },
        status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
      },
      4 * 3600 + 600,
    );
    const d = table('deployments', [deploy]);
    assert.deepEqual(columns(d), [
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age',
      'Containers*',
      'Images*',
      'Selector*',
    ]);
    assert.deepEqual(cells(d), ['web', '2/3', 3, 2, '4h10m', 'app,proxy', 'web:2,envoy:1', 'app=web']);

    const svc = object(
      'Service',
      'web',
      {
        spec: {
          type: 'NodePort',
          clusterIP: '10.96.3.4',
          selector: { app: 'web' },
          ports: [
            { port: 80, nodePort: 30080, protocol: 'TCP' },
            { port: 53, protocol: 'UDP' },
          ],
        },
      },
      3 * 86400,
    );
    assert.deepEqual(cells(table('services', [svc])), [
      'web',
      'NodePort',
      '10.96.3.4',
      '<none>',
      '80:30080/TCP,53/UDP',
      '3d',
      'app=web',
    ]);

    const secret = object('Secret', 'creds', { type: 'Opaque', data: { a: 'eA==', b: 'eQ==' } }, 30);
    assert.deepEqual(cells(table('secrets', [secret])), ['creds', 'Opaque', 2, '30s']);

    const lease = object('ControllerRevision', 'web-1', { revision: 2 });
    const revisions = table('controllerrevisions', [lease], 'Object');
    assert.deepEqual(columns(revisions), ['Name', 'Controller', 'Revision', 'Age']);
    const full = ((revisions.rows as JsonObject[])[0] as JsonObject).object as JsonObject;
    assert.equal(full.kind, 'ControllerRevision');
    assert.equal(full.apiVersion, 'apps/v1');
  });

  void it('events read like kubectl get events, with the wide cells behind', () => {
    const event = object('Event', 'web.17a', {
      involvedObject: { kind: 'Pod', name: 'web' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container ',
      type: 'Warning',
      source: { component: 'kubelet', host: 'podloop-sandbox' },
      firstTimestamp: ago(600),
      lastTimestamp: ago(20),
      count: 4,
    });
    const t = table('events', [event]);
    assert.deepEqual(columns(t), [
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Subobject*',
      'Source*',
      'Message',
      'First Seen*',
      'Count*',
      'Name*',
    ]);
    assert.deepEqual(cells(t), [
      '20s',
      'Warning',
      'BackOff',
      'pod/web',
      '',
      'kubelet, podloop-sandbox',
      'Back-off restarting failed container',
      '10m',
      4,
      'web.17a',
    ]);
  });

  void it('endpoints list three addresses port by port and count the rest', () => {
    const endpoints = object('Endpoints', 'web', {
      subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }],
    });
    const empty = object('Endpoints', 'idle', {});
    const t = table('endpoints', [endpoints, empty]);
    assert.deepEqual(cells(t), ['web', '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...', '5m']);
    assert.deepEqual(cells(t, 1), ['idle', '<none>', '5m']);
  });

  void it('ages follow kubectl human durations', () => {
    const cases: [number, string][] = [
      [5, '5s'],
      [119, '119s'],
      [182, '3m2s'],
      [600, '10m'],
      [4 * 3600, '4h'],
      [10 * 3600, '10h'],
      [2 * 86400, '2d'],
      [3 * 86400 + 7200, '3d2h'],
      [40 * 86400, '40d'],
      [800 * 86400, '2y70d'],
    ];
    for (const [seconds, expected] of cases) assert.equal(humanDuration(seconds * 1000), expected, `${seconds}s`);
  });
});
