#!/usr/bin/env -S node --max-semi-space-size=64
// The `priorgate` command. TypeScript runs directly through tsx's loader, so `npm install` is the
// only build step there is.
// --max-semi-space-size=64 (also in `npm start`): V8's young generation may grow to 64 MiB a half
// instead of 16. A gateway under load holds many requests' objects at once; with the default, every
// scavenge copied and promoted them (276 scavenges in 20 s at 50 connections, 1.6 s of pauses), with
// 64 it runs 83 of them (1.0 s). 32 and 128 did worse. docs/architecture.md has the runs.
import { register } from 'tsx/esm/api';

register();
// `priorgate x12 map | head`: a reader that stops early is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
