// Bundles the bench's vat sources (bench/vats/*.js) into the JSON bundles
// the JavaScript kernel loads through bundleSpec. The sources are copied
// into build/, so that their imports resolve in this folder's
// node_modules, with one change: @metamask/kernel-utils 0.3.0, the last
// on npm, has no "./exo" module, so its makeDefaultExo comes from
// build/exo.js, the kernel repository's own definition of it.
import 'ses';
import fs from 'node:fs/promises';
import path from 'node:path';
import url from 'node:url';

lockdown({ errorTaming: 'unsafe', consoleTaming: 'unsafe' });
const { default: bundleSource } = await import('@endo/bundle-source');

const here = path.dirname(url.fileURLToPath(import.meta.url));
const build = path.join(here, 'build');
await fs.mkdir(build, { recursive: true });
await fs.writeFile(
  path.join(build, 'exo.js'),
  `import { makeExo } from '@endo/exo';
import { M } from '@endo/patterns';
export const makeDefaultInterface = (name) => M.interface(name, {}, { defaultGuards: 'passable' });
export const makeDefaultExo = (name, methods, guard = makeDefaultInterface(name)) => makeExo(name, guard, methods);
`,
);
for (const name of ['driver', 'target']) {
  const text = await fs.readFile(path.join(here, '..', 'vats', `${name}.js`), 'utf8');
  const src = path.join(build, `${name}.js`);
  await fs.writeFile(src, text.replace("'@metamask/kernel-utils/exo'", "'./exo.js'"));
  const bundle = await bundleSource(src);
  await fs.writeFile(path.join(build, `${name}.bundle`), JSON.stringify(bundle));
}
