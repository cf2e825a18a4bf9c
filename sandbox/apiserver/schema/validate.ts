// Validation of written objects as the real server decodes and checks them: wrong JSON types and
// unknown fields (400 BadRequest), then invalid values (422 Invalid).

import { badRequest, invalid } from '../../store/errors.js';
import { isJsonObject, type JsonObject, type KubeObjectInput } from '../../store/objects.js';
import type { ResourceType } from '../../store/resources.js';
import { decodeFindings } from './decode.js';
import { schemaOf } from './index.js';
import { semanticCauses } from './rules.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/**
 * Checks `object` as the real server decodes and validates it. Throws 400 BadRequest for wrong JSON
 * types (always) and unknown fields (under Strict), 422 Invalid for invalid values; returns the
 * warnings to send back under Warn.
 */
export function validateObject(
  resource: ResourceType,
  object: KubeObjectInput,
  fieldValidation: FieldValidation,
): { warnings: string[] } {
  const json = object as JsonObject;
  const prefix = `${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}`;
  const findings = decodeFindings(json, schemaOf(resource));
  if (findings.typeError) throw badRequest(`${prefix}: ${findings.typeError}`);
  const warnings: string[] = [];
  if (findings.unknownFields.length > 0) {
    const unknown = findings.unknownFields.map((path) => `unknown field ${JSON.stringify(path)}`);
    if (fieldValidation === 'Strict') throw badRequest(`${prefix}: strict decoding error: ${unknown.join(', ')}`);
    if (fieldValidation === 'Warn') warnings.push(...unknown);
  }
  const causes = semanticCauses(resource.kind, json);
  if (causes.length > 0) {
    const metadata = isJsonObject(json.metadata) ? json.metadata : {};
    const name =
      typeof metadata.name === 'string'
        ? metadata.name
        : typeof metadata.generateName === 'string'
          ? metadata.generateName
          : '';
    throw invalid(resource.kind, resource.group, name, causes);
  }
  return { warnings };
}
