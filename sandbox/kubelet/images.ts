// The sandbox's local image store: resolves image references to folders (manifest.json + rootfs/)
// among the built-in images shipped in sandbox/images/ and those imported under <stateDir>/images/.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ImageManifest {
  entrypoint: string[];
  cmd: string[];
  /** As `K=V` pairs, in manifest order. */
  env: [string, string][];
  workingDir: string;
  ports: number[];
}

export interface ResolvedImage {
  /** The reference the pod asked for. */
  reference: string;
  /** Folder holding manifest.json and (optionally) rootfs/. */
  dir: string;
  rootfs: string | undefined;
  manifest: ImageManifest;
  /** A stable digest-like id reported as imageID. */
  id: string;
}

/** A parsed reference: registry prefix and tag split off, `library/` dropped. */
export interface ImageName {
  repository: string;
  tag: string;
}

const DEFAULT_REGISTRIES = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

export function parseImageReference(reference: string): ImageName {
  let rest = reference.trim();
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  const parts = rest.split('/');
  // The first segment is a registry when it looks like a host (has a dot or port, or is localhost).
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) {
    const registry = parts.shift()!;
    if (!DEFAULT_REGISTRIES.includes(registry)) parts.unshift(registry);
  }
  if (parts.length === 2 && parts[0] === 'library') parts.shift();
  const last = parts.pop() ?? '';
  const colon = last.lastIndexOf(':');
  const tag = colon >= 0 ? last.slice(colon + 1) : 'latest';
  parts.push(colon >= 0 ? last.slice(0, colon) : last);
  return { repository: parts.join('/'), tag: tag || 'latest' };
}

/** sandbox/images at the repository root, whether this module runs from source or from dist/. */
export function builtinImagesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'images'), join(here, '..', '..', '..', 'sandbox', 'images')];
  return candidates.find((c) => existsSync(join(c, 'aliases.json'))) ?? candidates[0]!;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function parseManifest(value: unknown): ImageManifest {
  const raw = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const env: [string, string][] = [];
  if (Array.isArray(raw.env)) {
    for (const entry of stringList(raw.env)) {
      const eq = entry.indexOf('=');
      if (eq > 0) env.push([entry.slice(0, eq), entry.slice(eq + 1)]);
    }
  } else if (typeof raw.env === 'object' && raw.env !== null) {
    for (const [k, v] of Object.entries(raw.env)) env.push([k, String(v)]);
  }
  return {
    entrypoint: stringList(raw.entrypoint),
    cmd: stringList(raw.cmd),
    env,
    workingDir: typeof raw.workingDir === 'string' && raw.workingDir ? raw.workingDir : '/',
    ports: Array.isArray(raw.ports) ? raw.ports.filter((p): p is number => typeof p === 'number') : [],
  };
}

function readAliases(builtinDir: string): Record<string, string> {
  try {
    const raw: unknown = JSON.parse(readFileSync(join(builtinDir, 'aliases.json'), 'utf8'));
    const out: Record<string, string> = {};
    if (typeof raw === 'object' && raw !== null) {
      for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
    }
    return out;
  } catch {
    return {};
  }
}

function safeSegments(repository: string): string[] | undefined {
  const segments = repository.split('/');
  if (segments.some((s) => !s || s === '.' || s === '..' || !/^[a-z0-9._-]+$/.test(s))) return undefined;
  return segments;
}

/** Imported folders live at <stateDir>/images/<repository>/<tag>/. */
export function importedImageDir(stateDir: string, name: ImageName): string | undefined {
  const segments = safeSegments(name.repository);
  if (!segments || !/^[A-Za-z0-9._-]+$/.test(name.tag)) return undefined;
  return join(stateDir, 'images', ...segments, name.tag);
}

/**
 * Candidate folders for a reference, most specific first: imported images, then each folder of
 * built-in-style images (`imageDirs`, then sandbox/images), where any tag matches and aliases apply.
 */
export function imageCandidates(stateDir: string, reference: string, imageDirs: string[] = []): string[] {
  const name = parseImageReference(reference);
  const out: string[] = [];
  const imported = importedImageDir(stateDir, name);
  if (imported) out.push(imported);
  for (const dir of [...imageDirs, builtinImagesDir()]) {
    const repository = readAliases(dir)[name.repository] ?? name.repository;
    const segments = safeSegments(repository);
    // Built-in images answer to any tag: they are the host's toolchains, not versioned builds.
    if (segments) out.push(join(dir, ...segments));
  }
  return [...new Set(out)];
}

/** Resolves a reference, or undefined when no image of that name exists (the pull fails). */
export async function resolveImage(
  stateDir: string,
  reference: string,
  imageDirs: string[] = [],
): Promise<ResolvedImage | undefined> {
  const name = parseImageReference(reference);
  for (const dir of imageCandidates(stateDir, reference, imageDirs)) {
    let text: string;
    try {
      text = await readFile(join(dir, 'manifest.json'), 'utf8');
    } catch {
      continue;
    }
    let manifest: ImageManifest;
    try {
      manifest = parseManifest(JSON.parse(text));
    } catch {
      continue;
    }
    const rootfs = join(dir, 'rootfs');
    const hasRootfs = await stat(rootfs).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const id = `sha256:${createHash('sha256').update(`${name.repository}\n${text}`).digest('hex')}`;
    return { reference, dir, rootfs: hasRootfs ? rootfs : undefined, manifest, id };
  }
  return undefined;
}

/**
 * Adds the folder `dir` (manifest.json and optional rootfs/) as image NAME[:TAG]. Re-importing a
 * name replaces it; pods started later see the new files.
 */
export async function importImage(stateDir: string, dir: string, name: string): Promise<{ name: string }> {
  const parsed = parseImageReference(name);
  const target = importedImageDir(stateDir, parsed);
  if (!target)
    throw new Error(`invalid image name "${name}": use lower-case letters, digits, '.', '_', '-' and '/' separators`);
  let manifestText: string;
  try {
    manifestText = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new Error(`${dir} has no manifest.json; an image folder needs manifest.json and optionally rootfs/`);
  }
  parseManifest(JSON.parse(manifestText));
  const staging = `${target}.importing-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, 'manifest.json'), manifestText);
  if (
    await stat(join(dir, 'rootfs')).then(
      (s) => s.isDirectory(),
      () => false,
    )
  ) {
    await cp(join(dir, 'rootfs'), join(staging, 'rootfs'), {
      recursive: true,
      verbatimSymlinks: true,
      preserveTimestamps: true,
    });
  }
  await rm(target, { recursive: true, force: true });
  await cp(staging, target, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  await rm(staging, { recursive: true, force: true });
  return { name: `${parsed.repository}:${parsed.tag}` };
}
