/**
 * The whole PAS request Bundle to an X12 payer (PAS 2.2.1 spec-26..28), for a payer whose
 * `x12.pasBundle275` asks for it: the job `payer.attach-bundle` sends the request exactly as the
 * provider sent it (the stored bytes), base64 in the BDS of an X12 275 006020X316 with CAT*AE*HL,
 * queued once per request with the 278 (`with-278`) or once the payer has answered it
 * (`after-278`), in that state change's transaction. Written once, sent, retried and acknowledged
 * as every 275 is (`attach-275.ts`); its timeline events are `attachment.bundle.*`.
 */
import type { Db } from '../db/client.ts';
import { latestMessage, type RequestRow } from '../db/queries/requests.ts';
import type { PayerConfig } from '../rules/payers.ts';
import { pasBundleTo275 } from '../translate/index.ts';
import { attachmentHandler, BUNDLE_275, queue275 } from './attach-275.ts';
import type { DeliverDeps } from './deliver.ts';

/** messages.transaction_set of the PAS request as received. */
const PAS_REQUEST = 'pas-request';

/** Queues the Bundle's 275 when this payer takes it at this moment (`when`), once per request. */
export async function queueBundle275(tx: Db, r: { request: RequestRow; payer: PayerConfig; when: 'with-278' | 'after-278' }): Promise<void> {
  const wanted = r.payer.x12?.pasBundle275;
  if (!wanted || wanted.timing !== r.when) return;
  await queue275(tx, BUNDLE_275, r, { timing: wanted.timing, form: wanted.form });
}

/** The Bundle's 275 job: the stored PAS request, every byte, in one BDS. */
export function bundleAttachHandler(d: DeliverDeps) {
  return attachmentHandler(d, BUNDLE_275, async (request) => {
    const stored = await latestMessage(d.db, request.id, PAS_REQUEST);
    if (!stored) return 'the stored request is missing';
    return {
      write: (heading) => {
        const { segments, controlNumber } = pasBundleTo275(stored.payload, heading);
        return { body: segments, detail: { documents: [controlNumber], bytes: Buffer.byteLength(stored.payload, 'utf8') } };
      },
    };
  });
}
