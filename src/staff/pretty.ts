/** Message bodies as staff read them: indented JSON for FHIR, one segment per line (with loop names) for X12. */
import { prettyX12 } from '../x12/index.ts';

export function pretty(format: string, payload: string): string {
  try {
    return format === 'x12' ? prettyX12(payload) : JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}
