#!/usr/bin/env node
// Entry point of the `kadr` command. The TypeScript sources are compiled to dist/ by `npm ci`
// (the `prepare` script); this file only loads them.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    'kadr: dist/ is missing; run `npm ci` (or `npm run build`) in the kadr folder first\n',
  );
  process.exit(2);
}
await import(main.href);
