// The PAS validator in a worker thread (validate-offload.ts): a large Bundle is validated here, so
// the gateway's event loop keeps answering while it is. Messages: { id, kind, text, parameterIndex }
// in, { id, issues } or { id, failed } out. TypeScript runs through tsx's loader, as in bin.mjs.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { preloadPasDefinitions, validatePasInquiryBundle, validatePasRequestBundle } = await import('../validate/index.ts');
preloadPasDefinitions();

parentPort.on('message', ({ id, kind, text, parameterIndex }) => {
  try {
    const body = JSON.parse(text);
    const bundle = parameterIndex === undefined ? body : body.parameter[parameterIndex].resource;
    const issues = kind === 'inquiry' ? validatePasInquiryBundle(bundle) : validatePasRequestBundle(bundle);
    parentPort.postMessage({ id, issues });
  } catch (e) {
    parentPort.postMessage({ id, failed: e instanceof Error ? e.name : 'error' });
  }
});
parentPort.postMessage({ ready: true });
