/** One pass over a resource (with @medplum/core's crawler) collecting its extensions and references. */
import { crawlTypedValue } from '@medplum/core';
import type { TypedValue } from '@medplum/core';
import type { Resource } from '../bundle.ts';
import { rebase } from './issues.ts';

export interface Located {
  /** Bundle-rooted FHIRPath of the value. */
  expression: string;
  value: TypedValue;
}

export interface ScanResult {
  extensions: Located[];
  references: Located[];
}

type WithPath = TypedValue & { path: string };

/** Every Extension and Reference in `resource`, contained resources included; empty if it cannot be crawled. */
export function scanResource(resource: Resource, expression: string): ScanResult {
  const result: ScanResult = { extensions: [], references: [] };
  const root = resource.resourceType;
  try {
    crawlTypedValue({ type: root, value: resource }, {
      visitProperty(_parent: unknown, _key: string, _path: string, values: (WithPath | WithPath[])[]): void {
        for (const value of values.flat()) {
          if (value.type === 'Extension') result.extensions.push({ expression: rebase(value.path, root, expression), value });
          else if (value.type === 'Reference') result.references.push({ expression: rebase(value.path, root, expression), value });
        }
      },
    });
  } catch {
    // Unknown types deep inside: the structural validation reports them; nothing to collect here.
  }
  return result;
}
