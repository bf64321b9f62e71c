/**
 * Reading a 275 body (BGN … before SE) back into its documents (BIN, 005010X210) and binary content
 * (BDS, 006020X316: the whole PAS Bundle): what the payer side (the simulator) does with what the
 * gateway sends, and how tests prove nothing was lost on the way.
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

/** Content a 6020 275 carries in BDS (the whole PAS request Bundle, spec-28). */
export interface Received275Binary {
  /** TRN02 of its 2000A. */
  controlNumber: string;
  /** CAT01 and CAT02 (HL: HL7 content). */
  category: string;
  format: string;
  /** BDS01 (B64: base64). */
  filter: string;
  /** The decoded bytes, as UTF-8 text. */
  text: string;
  /** BDS02 as sent and the length BDS03 actually has: equal in a sound 275. */
  declaredLength: number;
  actualLength: number;
}

export interface Received275 {
  reference: string;
  payerId: string;
  refs: Record<string, string>;
  documents: Received275Document[];
  binaries: Received275Binary[];
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
  const binaries: Received275Binary[] = [];
  let control = '';
  let cat: Segment | undefined;
  for (const s of body) {
    if (s.tag === 'REF') refs[el(s, 1)] ??= el(s, 2);
    else if (s.tag === 'TRN') control = el(s, 2);
    else if (s.tag === 'CAT') cat = s;
    else if (s.tag === 'BDS') {
      const data = el(s, 3);
      const filter = el(s, 1);
      binaries.push({
        controlNumber: control, category: cat ? el(cat, 1) : '', format: cat ? el(cat, 2) : '', filter,
        text: filter === 'B64' ? Buffer.from(data, 'base64').toString('utf8') : data,
        declaredLength: Number(el(s, 2)), actualLength: data.length,
      });
    }
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
  return { reference: bgn ? el(bgn, 2) : '', payerId: payer ? el(payer, 9) : '', refs, documents, binaries };
}
