/**
 * The layers of DEVELOPERS.md, checked by dependency-cruiser (`npm run lint:layers`, run by `npm run
 * lint` and .ci/run). Lowest first; a folder may import only the folders of strictly lower layers:
 *
 *   core < ml < features < model < data, registry < monitor, score < train < serve < app < cli
 *
 * Folders that share a layer (data and registry; monitor and score) do not import each other. Nothing
 * imports the CLI. No cycles. Tests and their helpers obey the same rules as the code they test. A
 * folder under src/ that is in no layer is an error until it is placed in LAYERS below.
 * `import type` counts (tsPreCompilationDeps): a type is a dependency too.
 */
const LAYERS = [
  ['core'],
  ['ml'],
  ['features'],
  ['model'],
  ['data', 'registry'],
  ['monitor', 'score'],
  ['train'],
  ['serve'],
  ['app'],
  ['cli'],
];
const ALL = LAYERS.flat();
const folders = (list) => `^src/(${list.join('|')})/`;

const layerRules = LAYERS.flatMap((layer, rank) =>
  layer.map((folder) => {
    const below = LAYERS.slice(0, rank).flat();
    return {
      name: `layer-${folder}`,
      severity: 'error',
      comment: `src/${folder}/ may import only ${below.length ? below.map((f) => `${f}/`).join(', ') : 'nothing of ours'} (lower layers) and itself.`,
      from: { path: `^src/${folder}/` },
      to: { path: '^src/', pathNot: folders([folder, ...below]) },
    };
  }),
);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      comment: 'The CLI is the top: commander wiring only. Tests and tools spawn src/cli/main.ts instead.',
      from: { pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'folder-in-no-layer',
      severity: 'error',
      comment: 'Every folder under src/ belongs to a layer: add it to LAYERS in .dependency-cruiser.cjs.',
      from: {},
      to: { path: '^src/', pathNot: folders(ALL) },
    },
    {
      name: 'pure-ml-and-features',
      severity: 'error',
      comment: 'ml/ and features/ are pure: no Node built-ins (fs, net, child_process...) outside tests.',
      from: { path: '^src/(ml|features)/', pathNot: '([.]test[.]ts|[.]test-helper[.]ts)$|/testing/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes two modules one: break it by moving the shared part down a layer.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve would hide a dependency from these rules.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
