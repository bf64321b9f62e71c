/**
 * Reading a 275 body (BGN … before SE) back into its documents: what the payer side (the simulator)
 * does with what the gateway sends, and how tests prove nothing was lost on the way.
 */
import type { Segment } from '../../x12/types.ts';
import { el } from '../x12-util.ts';

export interface Received275Document {
  /** TRN02: the 278's PWK06 attachment control number. */
  controlNumber: string;
  contentType: string;
  /** Base64 body of the MIME entity. */
  data: string;
  description?: string;
  /** BIN01 as sent and the length BIN02 actually has: equal in a sound 275. */
  declaredLength: number;
  actualLength: number;
}

export interface Received275 {
  reference: string;
  payerId: string;
  refs: Record<string, string>;
  documents: Received275Document[];
}

/** Splits a MIME entity (CRLF or LF line ends) into headers and body. */
function parseMime(text: string): { headers: Record<string, string>; body: string } {
  const [head, ...rest] = text.split(/\r?\n\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of (head ?? '').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body: rest.join('\n').replace(/\s+/g, '') };
}

export function read275(body: Segment[]): Received275 {
  const bgn = body.find((s) => s.tag === 'BGN');
  const payer = body.find((s) => s.tag === 'NM1' && el(s, 1) === 'PR');
  const refs: Record<string, string> = {};
  const documents: Received275Document[] = [];
  let control = '';
  for (const s of body) {
    if (s.tag === 'REF') refs[el(s, 1)] ??= el(s, 2);
    else if (s.tag === 'TRN') control = el(s, 2);
    else if (s.tag === 'BIN') {
      const data = el(s, 2);
      const mime = parseMime(Buffer.from(data, 'base64').toString('utf8'));
      documents.push({
        controlNumber: control,
        contentType: mime.headers['content-type'] ?? '',
        data: mime.body,
        ...(mime.headers['content-description'] ? { description: mime.headers['content-description'] } : {}),
        declaredLength: Number(el(s, 1)),
        actualLength: data.length,
      });
    }
  }
  return { reference: bgn ? el(bgn, 2) : '', payerId: payer ? el(payer, 9) : '', refs, documents };
}
