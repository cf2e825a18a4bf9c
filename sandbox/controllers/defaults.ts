// Objects a controller creates get the server-side defaults the API server gives to objects written
// through it, because on a real cluster kube-controller-manager's writes pass through the API server.

import { applyDefaults } from '../apiserver/defaults.js';
import type { KubeObjectInput } from '../store/objects.js';
import type { ResourceType } from '../store/resources.js';

export function withDefaults<T extends object>(resource: ResourceType, object: T): KubeObjectInput {
  const input = object as KubeObjectInput;
  applyDefaults(resource, input);
  return input;
}
