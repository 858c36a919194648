import yaml from 'js-yaml';
import type { KubeObject } from './types.js';

/** A multi-document YAML stream, keys in the order the objects hold them. */
export function toYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1, sortKeys: false })).join('---\n');
}
