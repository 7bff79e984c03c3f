#!/usr/bin/env -S node --initial-old-space-size=128
// Entry point of the `kadr` command. The TypeScript sources are compiled to dist/ by `npm ci`
// (the `prepare` script); this file only loads them.
//
// The V8 flag above (also in package.json's scripts and the Dockerfile, test/integration/api/
// docker-compose.test.ts holds them equal): a camera server allocates a few MB of Buffers a second,
// and V8 counts those bytes towards starting a full garbage collection. With its default limit, set
// just above the heap's live size, that meant one every two seconds; letting the old generation
// reach 128 MB first cut the server's CPU per camera by about a fifth (docs/live-cameras.md).
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
