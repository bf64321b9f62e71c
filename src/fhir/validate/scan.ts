/** One pass over a resource (with @medplum/core's crawler) collecting its extensions and references. */
import { crawlTypedValue } from '@medplum/core';
import type { TypedValue } from '@medplum/core';
import type { Resource } from '../bundle.ts';
import { rebase } from './issues.ts';

export interface Located {
  /** Bundle-rooted FHIRPath of the value. */
  expression: string;
  value: TypedValue;
  /**
   * Where the value sits, as an element path without indices (`ClaimResponse.item`,
   * `ClaimResponse.item.adjudication.extension` for an extension inside an extension), and the FHIR
   * type of the element holding it (`Identifier`): what an extension's `context` is checked against.
   */
  holder?: { path: string; type: string; url?: string };
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
      visitProperty(parent: TypedValue, _key: string, _path: string, values: (WithPath | WithPath[])[]): void {
        for (const value of values.flat()) {
          if (value.type === 'Extension') {
            const path = elementPath(value.path).replace(/\.(modifierExtension|extension)$/, '');
            const url = parent.type === 'Extension' ? (parent.value as { url?: unknown }).url : undefined;
            const holder = { path, type: parent.type, ...(typeof url === 'string' ? { url } : {}) };
            result.extensions.push({ expression: rebase(value.path, root, expression), value, holder });
          } else if (value.type === 'Reference') {
            result.references.push({ expression: rebase(value.path, root, expression), value });
          }
        }
      },
    });
  } catch {
    // Unknown types deep inside: the structural validation reports them; nothing to collect here.
  }
  return result;
}

/** `ClaimResponse.item[0].extension[3]` → `ClaimResponse.item.extension`. */
export function elementPath(path: string): string {
  return path.replace(/\[\d+\]/g, '');
}
