// Detects a project's language from its files and writes the commented starter .podloop/config.yaml that
// `podloop config init` offers; also names the default dev image per language.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigWorkloadKind, Language } from './types.js';

/** Marker files per language, checked in this order; the first language with a marker wins. */
const markers: ReadonlyArray<[Language, readonly string[]]> = [
  ['node', ['package.json']],
  ['python', ['pyproject.toml', 'requirements.txt', 'setup.py', 'Pipfile']],
  ['java', ['pom.xml', 'build.gradle', 'build.gradle.kts']],
  ['go', ['go.mod']],
];

export async function detectLanguage(dir: string): Promise<Language | undefined> {
  for (const [language, files] of markers) {
    for (const file of files) {
      if (await exists(join(dir, file))) return language;
    }
  }
  return undefined;
}

/**
 * The dev image used when the config names none. These are the images the podloop sandbox ships; on a real
 * cluster, set `image` in .podloop/config.yaml to an image your cluster can pull.
 */
export function defaultDevImage(language: Language): string {
  return `podloop/${language}-dev`;
}

interface LanguageStarter {
  run: string[];
  debug: string[];
  remotePort: number;
  exclude: string[];
  appPort: number;
}

const starters: Record<Language, LanguageStarter> = {
  node: {
    run: ['node', 'index.js'],
    debug: ['node', '--inspect=0.0.0.0:9229', 'index.js'],
    remotePort: 9229,
    exclude: ['node_modules/', '.git/'],
    appPort: 8080,
  },
  python: {
    run: ['python3', 'main.py'],
    debug: ['python3', '-m', 'debugpy', '--listen', '0.0.0.0:5678', 'main.py'],
    remotePort: 5678,
    exclude: ['__pycache__/', '.venv/', '.git/'],
    appPort: 8000,
  },
  java: {
    run: ['java', '-jar', 'target/app.jar'],
    debug: ['java', '-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:5005', '-jar', 'target/app.jar'],
    remotePort: 5005,
    exclude: ['target/', 'build/', '.gradle/', '.git/'],
    appPort: 8080,
  },
  go: {
    run: ['go', 'run', '.'],
    debug: ['dlv', 'debug', '--headless', '--listen=:2345', '--api-version=2', '--accept-multiclient', '.'],
    remotePort: 2345,
    exclude: ['bin/', '.git/'],
    appPort: 8080,
  },
};

export interface StarterWorkload {
  kind: ConfigWorkloadKind;
  name: string;
  namespace?: string;
  container?: string;
}

/** A commented .podloop/config.yaml for one workload; valid against the schema as written. */
export function starterConfig(
  language: Language,
  workload: StarterWorkload = { kind: 'Deployment', name: 'my-app' },
): string {
  const s = starters[language];
  const list = (items: readonly string[]): string => `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;
  const lines = [
    '# podloop project configuration: how `podloop dev start` turns a workload into a dev container.',
    '# Validate it with `podloop config validate`. The same content can ship with your manifests in the',
    '# workload annotation podloop.dev/config.',
    'version: 1',
    'workloads:',
    `  - kind: ${workload.kind}`,
    `    name: ${JSON.stringify(workload.name)}`,
    ...(workload.namespace
      ? [`    namespace: ${JSON.stringify(workload.namespace)}`]
      : ['    # namespace: default   # omit to match the workload in any namespace']),
    '    containers:',
    workload.container
      ? `      - name: ${JSON.stringify(workload.container)}`
      : '      - # name: app   # omit to configure the first container',
    `        # The dev image replaces the container image while in dev mode. ${defaultDevImage(language)} ships`,
    '        # with the podloop sandbox; on a real cluster use an image your cluster can pull.',
    `        image: ${defaultDevImage(language)}`,
    '        # Where your project folder is synced in the container (also the working directory).',
    '        workDir: /app',
    '        shell: /bin/sh',
    '        command:',
    `          run: ${list(s.run)}`,
    `          debug: ${list(s.debug)}`,
    '        debug:',
    `          language: ${language}`,
    `          remotePort: ${s.remotePort}`,
    '        # Re-run command.run after each synced change.',
    '        hotReload: false',
    '        sync:',
    '          # gitignore syntax; your .gitignore is respected as well.',
    '          include: []',
    `          exclude: ${list(s.exclude)}`,
    '          mode: one-way   # or two-way to bring container changes back',
    '        env:',
    '          - name: PODLOOP_DEV',
    '            value: "1"',
    '        # resources:',
    '        #   requests: { cpu: 250m, memory: 256Mi }',
    '        #   limits: { cpu: "2", memory: 2Gi }',
    '        # Directories that survive dev sessions (caches, dependencies), one volume claim each.',
    '        persistentDirs: []',
    '        #   - path: /root/.cache',
    '        #     size: 1Gi',
    "        #     storageClass: standard   # default: the cluster's default class",
    '        portForward:',
    `          - "${s.appPort}:${s.appPort}"`,
    '',
  ];
  return lines.join('\n');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
