// The layer rule and 0 import cycles, types included, checked by test/layers.test.ts.
// Parsed with swc: TypeScript 7 (the native compiler) has no JS API for dependency-cruiser to use.
// Layers, bottom up; each may import only its own layer and those below it:
//   base (src/types.ts, src/errors.ts) ← machines ← policy ← config ← store ← runtime
//   ← the face's contract (src/api.ts) ← http ← the entry (src/index.ts, wires listen)
//   ← simulate (`warden simulate`: the runtime on a simulated clock) ← cli
const LAYERS = [
  ['base', '^src/(types|errors)[.]ts$'],
  ['machines', '^machines/'],
  ['policy', '^src/policy/'],
  ['config', '^src/config([.]ts$|/)'],
  ['store', '^src/store/'],
  ['runtime', '^src/runtime/'],
  ['face', '^src/api[.]ts$'],
  ['http', '^src/http/'],
  ['entry', '^src/index[.]ts$'],
  ['simulate', '^src/simulate/'],
  ['cli', '^src/cli[.]ts$'],
];

const forbidden = [
  { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
  // HTTP programs against the public face only (plus the shared vocabulary).
  {
    name: 'http-imports-the-face-only',
    severity: 'error',
    from: { path: '^src/http/' },
    to: { path: '^(src|machines)/', pathNot: ['^src/http/', '^src/api[.]ts$', '^src/(types|errors)[.]ts$'] },
  },
];
LAYERS.forEach(([name, path], i) => {
  const above = LAYERS.slice(i + 1).map(([, p]) => p);
  if (above.length === 0) return;
  forbidden.push({ name: `${name}-imports-no-layer-above-it`, severity: 'error', from: { path }, to: { path: above } });
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|test|bench|examples|docs|dist)/' },
    parser: 'swc',
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
