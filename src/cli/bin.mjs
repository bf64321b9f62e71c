#!/usr/bin/env node
// The `priorgate` command. TypeScript runs directly through tsx's loader, so `npm install` is the
// only build step there is.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
