// Decides which local paths file sync leaves out: .gitignore at every level, .podloop/ignore,
// the config's include/exclude, and the built-in .git/node_modules exclusions. Reads ignore files only.

import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ignore, { type Ignore } from 'ignore';

export interface IgnoreOptions {
  /** gitignore-style patterns re-admitted even when another rule excludes them. */
  include?: readonly string[];
  /** gitignore-style patterns excluded in addition to the ignore files. */
  exclude?: readonly string[];
}

export interface IgnoreRules {
  /** `relPath` is a normalised POSIX path relative to the synced root. */
  isIgnored(relPath: string, isDir: boolean): boolean;
  /** Call when a file changed: drops cached rules and returns true if it was an ignore file. */
  noteChange(relPath: string): boolean;
}

const BUILT_IN_EXCLUDES = ['.git', 'node_modules'];
const PODLOOP_IGNORE = '.podloop/ignore';

function readPatterns(file: string): string[] | null {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/);
  } catch {
    return null;
  }
}

// The literal part of an include pattern before its first glob character, so that a directory
// on the way to an included path is still walked ("node_modules" for "node_modules/shared/").
function literalPrefix(pattern: string): string {
  const trimmed = pattern.trim().replace(/^\/+/, '');
  const glob = trimmed.search(/[*?[\\]/);
  const literal = glob === -1 ? trimmed : trimmed.slice(0, glob);
  return literal.replace(/\/+$/, '');
}

/** The parts of the `ignore` library's matcher that the rules use. */
type Matcher = Pick<Ignore, 'ignores' | 'test'>;

// The library remembers the answer for every path it was asked about, which for a large tree is
// more memory than the tree's own manifest. A fresh matcher every so many questions bounds that;
// directories, asked about again and again, are remembered in the rules' own cache.
const QUESTIONS_PER_MATCHER = 2000;

function boundedMatcher(patterns: readonly string[]): Matcher {
  let matcher = ignore().add([...patterns]);
  let questions = 0;
  const current = (): Ignore => {
    if (++questions > QUESTIONS_PER_MATCHER) {
      matcher = ignore().add([...patterns]);
      questions = 0;
    }
    return matcher;
  };
  return {
    ignores: (path) => current().ignores(path),
    test: (path) => current().test(path),
  };
}

// ".git" and "node_modules" as gitignore patterns: any path with a part of that name.
function builtInExcluded(path: string): boolean {
  return path.split('/').some((part) => BUILT_IN_EXCLUDES.includes(part));
}

function ancestorsOf(relPath: string): string[] {
  const parts = relPath.split('/');
  const result: string[] = [];
  for (let i = 1; i < parts.length; i++) result.push(parts.slice(0, i).join('/'));
  return result;
}

export function createIgnoreRules(root: string, options: IgnoreOptions = {}): IgnoreRules {
  const includePatterns = (options.include ?? []).filter((p) => p.trim() !== '' && !p.startsWith('#'));
  const include = boundedMatcher(includePatterns);
  const includePrefixes = includePatterns.map(literalPrefix).filter((p) => p !== '');
  // undefined: not read yet; null: no patterns at all.
  let excludes: Matcher | null | undefined;
  const gitignores = new Map<string, Matcher | null>();
  const ruleCache = new Map<string, boolean>();

  function excludeRules(): Matcher | null {
    if (excludes === undefined) {
      const patterns = [...(options.exclude ?? []), ...(readPatterns(join(root, PODLOOP_IGNORE)) ?? [])];
      excludes = patterns.some((pattern) => pattern.trim() !== '') ? boundedMatcher(patterns) : null;
    }
    return excludes;
  }

  function gitignoreIn(dir: string): Matcher | null {
    let rules = gitignores.get(dir);
    if (rules === undefined) {
      const patterns = readPatterns(join(root, dir, '.gitignore'));
      rules = patterns ? boundedMatcher(patterns) : null;
      gitignores.set(dir, rules);
    }
    return rules;
  }

  function asTestPath(path: string, isDir: boolean): string {
    return isDir ? path + '/' : path;
  }

  // The rules alone, without the "an excluded directory hides its contents" step.
  function ruleIgnores(path: string, isDir: boolean): boolean {
    const key = (isDir ? 'd:' : 'f:') + path;
    const cached = ruleCache.get(key);
    if (cached !== undefined) return cached;
    let ignored = builtInExcluded(path) || (excludeRules()?.ignores(asTestPath(path, isDir)) ?? false);
    if (!ignored) {
      // Deeper .gitignore files override shallower ones; the last decisive rule wins.
      for (const dir of ['', ...ancestorsOf(path)]) {
        const rules = gitignoreIn(dir);
        if (!rules) continue;
        const rel = dir === '' ? path : posix.relative(dir, path);
        const verdict = rules.test(asTestPath(rel, isDir));
        if (verdict.ignored) ignored = true;
        else if (verdict.unignored) ignored = false;
      }
    }
    // Directories are asked about again for every path below them; files are not worth keeping.
    if (isDir) ruleCache.set(key, ignored);
    return ignored;
  }

  function included(path: string, isDir: boolean): boolean {
    if (includePatterns.length === 0) return false;
    if (include.ignores(asTestPath(path, isDir))) return true;
    return ancestorsOf(path).some((dir) => include.ignores(dir + '/'));
  }

  function includeBelow(dir: string): boolean {
    return includePrefixes.some((prefix) => prefix.startsWith(dir + '/'));
  }

  return {
    isIgnored(relPath, isDir) {
      if (included(relPath, isDir)) return false;
      for (const dir of ancestorsOf(relPath)) {
        if (ruleIgnores(dir, true) && !includeBelow(dir)) return true;
      }
      if (!ruleIgnores(relPath, isDir)) return false;
      return !(isDir && includeBelow(relPath));
    },
    noteChange(relPath) {
      const base = posix.basename(relPath);
      if (base === '.gitignore') {
        const dir = posix.dirname(relPath);
        gitignores.delete(dir === '.' ? '' : dir);
        ruleCache.clear();
        return true;
      }
      if (relPath === PODLOOP_IGNORE) {
        excludes = undefined;
        ruleCache.clear();
        return true;
      }
      return false;
    },
  };
}
