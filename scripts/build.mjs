// `npm run build` (also run by `prepare`, so before `npm pack`, publish and a git install):
// compiles src/ and machines/ to dist/ with tsconfig.build.json, from a clean dist/.
// tsc rewrites `.ts` import specifiers to `.js` in the emitted JavaScript but leaves them as `.ts`
// in the declaration files, where a consumer's compiler would look for sources that are not shipped;
// so the relative specifiers of the .d.ts files are rewritten here too.
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });

const tsc = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'tsc.cmd' : 'tsc');
const run = spawnSync(tsc, ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (run.status !== 0) {
  process.stderr.write(`build: tsc failed (${run.error?.message ?? `exit ${run.status}`})\n`);
  process.exit(1);
}

const RELATIVE_TS = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g;
function* declarations(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) yield* declarations(file);
    else if (entry.name.endsWith('.d.ts')) yield file;
  }
}
let rewritten = 0;
for (const file of declarations(dist)) {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(RELATIVE_TS, '$1$2.js$3');
  if (next !== text) {
    writeFileSync(file, next);
    rewritten++;
  }
}
chmodSync(join(dist, 'src', 'cli.js'), 0o755);
process.stdout.write(`build: dist/ written (${rewritten} declaration files had .ts specifiers rewritten)\n`);
