#!/usr/bin/env node
// The `priorgate` command. TypeScript runs directly through tsx's loader, so `npm install` is the
// only build step there is.
import { register } from 'tsx/esm/api';

register();
// `priorgate x12 map | head`: a reader that stops early is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
