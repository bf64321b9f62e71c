// The PAS validator in a worker thread (validate-offload.ts): a large Bundle (PAS, or an eligibility
// request) is validated here, so the gateway's event loop keeps answering while it is. Messages:
// { id, kind, text, parameterIndex } in, { id, issues } or { id, failed } out. TypeScript runs
// through tsx's loader, as in bin.mjs.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { preloadEligibilityDefinitions, preloadPasDefinitions, validateEligibilityRequestBundle, validatePasInquiryBundle, validatePasRequestBundle } = await import('../validate/index.ts');
preloadPasDefinitions();
preloadEligibilityDefinitions();

const VALIDATE = { request: validatePasRequestBundle, inquiry: validatePasInquiryBundle, eligibility: validateEligibilityRequestBundle };

const x12 = await import('../../x12/index.ts');

/** A large X12 body from /payer/x12: parsed and validated here, its acknowledgment written with the numbers reserved for it. */
function validateInterchange({ text, seen, ranges, now, lenient }) {
  const parsed = x12.parseX12(text, { lenient });
  const left = { ISA: { ...ranges.ISA }, GS: { ...ranges.GS }, ST: { ...ranges.ST } };
  const controlNumbers = {
    next(kind) {
      const r = left[kind];
      if (r.at >= r.end) throw new Error(`more ${kind} control numbers used than reserved`);
      return r.at++;
    },
  };
  const check = x12.validateX12(parsed, { seen: new Set(seen), controlNumbers, now: new Date(now), lenient });
  return { ack: check.ack, accepted: check.accepted };
}

parentPort.on('message', (m) => {
  const { id, kind, text, parameterIndex } = m;
  try {
    if (kind === 'x12') {
      parentPort.postMessage({ id, result: validateInterchange(m) });
      return;
    }
    const body = JSON.parse(text);
    const bundle = parameterIndex === undefined ? body : body.parameter[parameterIndex].resource;
    const issues = (VALIDATE[kind] ?? validatePasRequestBundle)(bundle);
    parentPort.postMessage({ id, result: issues });
  } catch (e) {
    parentPort.postMessage({ id, failed: e instanceof Error ? e.name : 'error' });
  }
});
parentPort.postMessage({ ready: true });
