#!/usr/bin/env node
// The kstreams-scaler command line (src/cli.ts). In a checkout it runs the
// TypeScript sources, which Node 24 runs as they are; where there are no
// sources, or inside node_modules (where Node does not strip types), it runs
// the build in dist/.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `kstreams-scaler needs Node.js 24 or newer, not ${process.version}; ` +
      'in a checkout, npx runs it with the Node 24 in node_modules/.bin\n',
  );
  process.exit(1);
}
const source = new URL('../src/cli.ts', import.meta.url);
const inNodeModules = fileURLToPath(import.meta.url)
  .split(/[\\/]/)
  .includes('node_modules');
await import(existsSync(source) && !inNodeModules ? source.href : new URL('../dist/cli.js', import.meta.url).href);
