#!/usr/bin/env node
// Builds the JVM client with plain javac (Java 17): main and test classes, the client jar and the
// test classpath under clients/jetbrains/build/. Gson and JUnit come from Debian packages,
// installed when missing and running as root. Skips all work when nothing changed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const project = join(root, 'clients', 'jetbrains');
const build = join(project, 'build');
const javaLib = '/usr/share/java';
const libraries = [
  { jar: 'gson.jar', pkg: 'libgoogle-gson-java', scope: 'main' },
  { jar: 'junit4.jar', pkg: 'junit4', scope: 'test' },
  { jar: 'hamcrest-core.jar', pkg: 'libhamcrest-java', scope: 'test' },
];

function fail(message) {
  process.stderr.write(`build-jetbrains: ${message}\n`);
  process.exit(1);
}

/** A JDK tool from $JAVA_HOME/bin, else from PATH. */
function findTool(name) {
  const candidates = [];
  if (process.env.JAVA_HOME) candidates.push(join(process.env.JAVA_HOME, 'bin', name));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, name));
  return candidates.find((path) => existsSync(path));
}

function ensureLibraries() {
  const missing = libraries.filter((lib) => !existsSync(join(javaLib, lib.jar)));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((lib) => lib.pkg))];
  if (process.getuid?.() !== 0)
    fail(`missing ${missing.map((l) => l.jar).join(', ')}: apt-get install ${packages.join(' ')}`);
  process.stderr.write(`build-jetbrains: installing ${packages.join(' ')}\n`);
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit' });
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    result = install();
  }
  if (result.status !== 0) fail(`apt-get install ${packages.join(' ')} failed`);
}

function javaFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => path.endsWith('.java') && statSync(path).isFile())
    .sort();
}

function compile(javac, sources, out, classpath) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  if (sources.length === 0) return;
  const result = spawnSync(
    javac,
    [
      '--release',
      '17',
      '-encoding',
      'UTF-8',
      '-Xlint:all',
      '-Xlint:-serial',
      '-d',
      out,
      '-cp',
      classpath.join(delimiter),
      ...sources,
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) fail(`javac failed for ${out}`);
}

/** Sleeps without a busy loop; the script is synchronous by design. */
function pause(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Two test files may build at once: one builds, the other waits and then finds it up to date. */
function withBuildLock(work) {
  const lock = join(build, '.lock');
  mkdirSync(build, { recursive: true });
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        // Being created or removed right now.
      }
      if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) fail(`build lock ${lock} held too long`);
      pause(100);
    }
  }
  try {
    work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const javac = findTool('javac');
if (javac === undefined)
  fail('javac not found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless) or set JAVA_HOME');

const mainSources = javaFiles(join(project, 'src', 'main', 'java'));
const testSources = javaFiles(join(project, 'src', 'test', 'java'));
const digest = createHash('sha256');
digest.update(spawnSync(javac, ['-version'], { encoding: 'utf8' }).stdout ?? '');
for (const file of [...mainSources, ...testSources]) digest.update(file).update(readFileSync(file));
const stamp = digest.digest('hex');
const stampPath = join(build, 'stamp');
const mainClasses = join(build, 'classes', 'main');
const testClasses = join(build, 'classes', 'test');
const jarPath = join(build, 'podloop-client.jar');
const lib = (scope) => libraries.filter((l) => scope === 'test' || l.scope === 'main').map((l) => join(javaLib, l.jar));
const testClasspath = [mainClasses, testClasses, ...lib('test')];

withBuildLock(() => {
  ensureLibraries();
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8') === stamp) {
    process.stdout.write(`build-jetbrains: up to date (${build})\n`);
  } else {
    compile(javac, mainSources, mainClasses, lib('main'));
    compile(javac, testSources, testClasses, [mainClasses, ...lib('test')]);
    const jar = findTool('jar');
    if (jar !== undefined) {
      const result = spawnSync(jar, ['--create', '--file', jarPath, '-C', mainClasses, '.'], { stdio: 'inherit' });
      if (result.status !== 0) fail('jar failed');
    }
    writeFileSync(join(build, 'test-classpath.txt'), testClasspath.join(delimiter));
    writeFileSync(stampPath, stamp);
    process.stdout.write(
      `build-jetbrains: built ${mainSources.length} main and ${testSources.length} test sources into ${build}\n`,
    );
  }
});
