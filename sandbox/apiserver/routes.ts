// Maps a request path onto what it addresses: a discovery document, a resource collection, an
// object or one of its subresources. Pure; unknown paths come back as a 404 Status to throw.

import { ApiError } from '../store/errors.js';
import { findResource, RESOURCE_TYPES, type ResourceType } from '../store/resources.js';

export type Route =
  | { kind: 'version' }
  | { kind: 'health'; check: string }
  | { kind: 'apiVersions' }
  | { kind: 'apiGroupList' }
  | { kind: 'apiGroup'; group: string }
  | { kind: 'resourceList'; group: string; version: string }
  | { kind: 'openapiV2' }
  | { kind: 'openapiV3'; path: string }
  | ResourceRoute;

export interface ResourceRoute {
  kind: 'resource';
  resource: ResourceType;
  /** The namespace from the path (absent for cluster-scoped kinds and cluster-wide lists). */
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Addressed through the deprecated /watch/ prefix. */
  watchPath: boolean;
}

export function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

function groupServed(group: string): boolean {
  return RESOURCE_TYPES.some((r) => r.group === group);
}

function versionServed(group: string, version: string): boolean {
  return RESOURCE_TYPES.some((r) => r.group === group && r.version === version);
}

export function resolveRoute(pathname: string): Route {
  const trimmed = pathname.replace(/\/+$/, '');
  if (trimmed === '/version') return { kind: 'version' };
  const health = /^\/(healthz|livez|readyz)(\/.*)?$/.exec(trimmed);
  if (health) return { kind: 'health', check: health[1]! };
  if (trimmed === '/openapi/v2' || trimmed === '/swagger.json') return { kind: 'openapiV2' };
  if (trimmed === '/openapi/v3' || trimmed.startsWith('/openapi/v3/')) {
    return { kind: 'openapiV3', path: trimmed.slice('/openapi/v3'.length).replace(/^\//, '') };
  }
  let segments: string[];
  try {
    segments = trimmed
      .split('/')
      .slice(1)
      .map((s) => decodeURIComponent(s));
  } catch {
    throw notFoundPath();
  }
  if (segments[0] === 'api') {
    if (segments.length === 1) return { kind: 'apiVersions' };
    if (!versionServed('', segments[1]!)) throw notFoundPath();
    if (segments.length === 2) return { kind: 'resourceList', group: '', version: segments[1]! };
    return resourceRoute('', segments[1]!, segments.slice(2));
  }
  if (segments[0] === 'apis') {
    if (segments.length === 1) return { kind: 'apiGroupList' };
    const group = segments[1]!;
    if (!groupServed(group)) throw notFoundPath();
    if (segments.length === 2) return { kind: 'apiGroup', group };
    if (!versionServed(group, segments[2]!)) throw notFoundPath();
    if (segments.length === 3) return { kind: 'resourceList', group, version: segments[2]! };
    return resourceRoute(group, segments[2]!, segments.slice(3));
  }
  throw notFoundPath();
}

function resourceRoute(group: string, version: string, rest: string[]): ResourceRoute {
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  const lookup = (plural: string | undefined): ResourceType => {
    const resource = plural ? findResource(group, version, plural) : undefined;
    if (!resource) throw notFoundPath();
    return resource;
  };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const namespacedKind = findResource(group, version, rest[2]!);
    // /namespaces/{ns}/{plural}[/{name}[/{sub}]] unless {plural} is a namespace subresource.
    if (namespacedKind?.namespaced || rest.length > 3) {
      const resource = lookup(rest[2]);
      if (!resource.namespaced) throw notFoundPath();
      if (rest.length > 5) throw notFoundPath();
      return withSub({
        kind: 'resource',
        resource,
        namespace: rest[1]!,
        name: rest[3],
        subresource: rest[4],
        watchPath,
      });
    }
  }
  if (rest.length > 3) throw notFoundPath();
  const resource = lookup(rest[0]);
  if (resource.namespaced && rest.length > 1) throw notFoundPath();
  return withSub({ kind: 'resource', resource, name: rest[1], subresource: rest[2], watchPath });
}

function withSub(route: ResourceRoute): ResourceRoute {
  if (route.subresource !== undefined && !route.resource.subresources.includes(route.subresource)) throw notFoundPath();
  if (route.name === '') throw notFoundPath();
  if (route.name === undefined) delete route.name;
  if (route.subresource === undefined) delete route.subresource;
  if (route.namespace === undefined) delete route.namespace;
  return route;
}
