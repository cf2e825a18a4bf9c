// Starter configuration and language detection for `podloop config init`.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigExistsError, initProjectConfig } from '../../server/config/init.js';
import { loadConfigFile, loadProjectConfig, parseConfigText } from '../../server/config/load.js';
import { defaultDevImage, detectLanguage, starterConfig } from '../../server/config/starter.js';
import { languages } from '../../server/config/types.js';

void describe('starter config', () => {
  for (const language of languages) {
    void test(`the ${language} starter is valid against the schema and uses the ${language} dev image`, () => {
      const text = starterConfig(language);
      assert.match(text, /^# podloop project configuration/);
      const config = parseConfigText(text, `starter ${language}`);
      const container = config.workloads[0]!.containers[0]!;
      assert.equal(container.image, defaultDevImage(language));
      assert.equal(container.debug?.language, language);
      assert.ok(container.command.run.length > 0);
      assert.equal(container.portForward.length, 1);
    });
  }

  void test('a starter for a named workload and container targets it', () => {
    const text = starterConfig('go', { kind: 'StatefulSet', name: 'db', namespace: 'shop', container: 'api' });
    const workload = parseConfigText(text, 'starter').workloads[0]!;
    assert.deepEqual(
      [workload.kind, workload.name, workload.namespace, workload.containers[0]!.name],
      ['StatefulSet', 'db', 'shop', 'api'],
    );
  });

  void test('default dev images are the sandbox images per language', () => {
    assert.deepEqual(languages.map(defaultDevImage), [
      'podloop/node-dev',
      'podloop/python-dev',
      'podloop/java-dev',
      'podloop/go-dev',
    ]);
  });
});

void describe('language detection', () => {
  const cases: Array<[string[], string | undefined]> = [
    [['package.json'], 'node'],
    [['requirements.txt'], 'python'],
    [['pyproject.toml'], 'python'],
    [['pom.xml'], 'java'],
    [['build.gradle'], 'java'],
    [['go.mod'], 'go'],
    [['README.md'], undefined],
    [['go.mod', 'package.json'], 'node'],
  ];
  for (const [files, expected] of cases) {
    void test(`a folder with ${files.join(' and ')} is ${expected ?? 'not recognised'}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'podloop-lang-'));
      try {
        for (const file of files) await writeFile(join(dir, file), '');
        assert.equal(await detectLanguage(dir), expected);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

void describe('config init', () => {
  void test('writes a starter for the detected language that loads back, and refuses to overwrite without force', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'podloop-init-'));
    try {
      await writeFile(join(dir, 'go.mod'), 'module example.com/app\n');
      const result = await initProjectConfig(dir, { workload: { kind: 'Deployment', name: 'api' } });
      assert.deepEqual(result, { file: join(dir, '.podloop', 'config.yaml'), language: 'go', detected: true });
      const config = await loadProjectConfig(dir);
      assert.equal(config?.workloads[0]?.name, 'api');
      assert.equal(config?.workloads[0]?.containers[0]?.image, 'podloop/go-dev');
      await assert.rejects(initProjectConfig(dir), ConfigExistsError);
      const replaced = await initProjectConfig(dir, { language: 'python', force: true });
      assert.equal(replaced.detected, false);
      assert.equal((await loadConfigFile(replaced.file)).workloads[0]?.containers[0]?.image, 'podloop/python-dev');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
