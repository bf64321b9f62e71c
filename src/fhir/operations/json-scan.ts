/**
 * A look at a JSON request body before it is parsed: how deep it nests and how many values it holds.
 * `JSON.parse` is one synchronous call whatever the size (2.5 million values take a quarter of a
 * second), so these cheap limits are checked on the text, a slice at a time with the event loop let
 * through between slices; only a body within them is parsed.
 */

export interface JsonShape {
  /** Deepest nesting of objects and arrays (a bare scalar is 0). */
  depth: number;
  /** Objects, arrays, strings (property names included), numbers and literals. */
  values: number;
}

export interface JsonLimits {
  maxDepth: number;
  maxValues: number;
}

/** Characters scanned between two turns of the event loop (a few milliseconds' work). */
const SLICE = 256 * 1024;

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const OPEN_ARRAY = 91;
const CLOSE_OBJECT = 125;
const CLOSE_ARRAY = 93;
const COMMA = 44;
const COLON = 58;

/**
 * Measures `text` up to the first limit it exceeds (then stops: `exceeded` says which). Malformed
 * JSON is measured as far as it goes; `JSON.parse` reports it afterwards.
 *
 * @example
 * const shape = await scanJson(text, { maxDepth: 64, maxValues: 100_000 });
 * if (shape.exceeded) refuse(shape.exceeded);
 */
export async function scanJson(text: string, limits: JsonLimits): Promise<JsonShape & { exceeded?: 'depth' | 'values' }> {
  let depth = 0;
  let maxDepth = 0;
  let values = 0;
  let inString = false;
  // The last significant character outside strings: a scalar starts right after `[`, `:` or `,`.
  let previous = 0;
  for (let start = 0; start < text.length; start += SLICE) {
    if (start > 0) await new Promise((resolve) => setImmediate(resolve));
    const end = Math.min(text.length, start + SLICE);
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c <= 32) continue;
      if (c === QUOTE) {
        inString = true;
        values++;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        values++;
        if (++depth > maxDepth) maxDepth = depth;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
      } else if (c !== COMMA && c !== COLON && (previous === OPEN_ARRAY || previous === COLON || previous === COMMA || previous === 0)) {
        values++;
      }
      previous = c;
      if (maxDepth > limits.maxDepth) return { depth: maxDepth, values, exceeded: 'depth' };
      if (values > limits.maxValues) return { depth: maxDepth, values, exceeded: 'values' };
    }
  }
  return { depth: maxDepth, values };
}
