// Import layers of src/, checked by `depcruise` in `make lint` and scripts/test.sh.
//
// Every directory of src/ belongs to one layer; a layer may import the layers
// before it in LAYERS and never one after it, so a dependency only points
// down. Within a layer anything goes, but no import cycle, in any layer or
// across them, type-only imports included (they are dependencies too: the
// type moves with its module). Tests (*.test.ts) obey the same layers.
// docs/architecture.md explains each layer.

/** Lowest first: each layer's path pattern (anchored at the repository root). */
const LAYERS = [
  // Shared by everything: configuration, errors and their gRPC codes, durations, logging, generated protobuf.
  ['base', '^src/(?!(app|main|cli|docs|generatedCode)(\\.test)?\\.ts$)[^/]+\\.ts$|^src/generated/'],
  // Plain data and pure helpers every layer reads: samples, decisions, the trigger metadata and its parser.
  ['model', '^src/model/'],
  // The Kafka port and its adapters (kafkajs, in memory).
  ['kafka', '^src/kafka/'],
  // Polling groups through the port into a history of samples.
  ['poller', '^src/poller/'],
  // The Kafka Streams view of a group: topic roles, sub-topologies, tasks.
  ['streams', '^src/streams/'],
  // The strategies that turn a history into a decision.
  ['lag', '^src/lag/'],
  // Figures and history an operator reads, from decisions.
  ['observe', '^src/observe/'],
  // Triggers, their pollers and decisions: what KEDA's calls ask for.
  ['scaler', '^src/scaler/'],
  // The ways in and out: gRPC, HTTP, metrics, the explain command.
  ['edge', '^src/(grpc|http|metrics|explain)/'],
  // Wiring and entry points, and the checks of the whole project (the documentation against the code, generated code).
  ['app', '^src/(app|main|cli|docs|generatedCode)(\\.test)?\\.ts$'],
];

const layerRules = LAYERS.slice(0, -1).map(([name, path], i) => {
  const below = LAYERS.slice(0, i + 1).map(([n]) => n);
  const above = LAYERS.slice(i + 1);
  return {
    name: `layer-${name}`,
    comment: `${name} may import only ${below.join(', ')}; not ${above.map(([n]) => n).join(', ')}`,
    severity: 'error',
    from: { path },
    to: { path: above.map(([, p]) => `(${p})`).join('|') },
  };
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'an import cycle: move what both sides need into the lower layer (often src/model)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-unlayered',
      comment: 'every file of src/ belongs to a layer; add its directory to LAYERS in .dependency-cruiser.js',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map(([, p]) => `(${p})`).join('|') },
      to: {},
    },
    {
      name: 'src-not-to-outside',
      comment: 'the service must not import test, bench, demo or tools code; only its tests may',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(test|bench|demo|tools)/|\\.test\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies as well.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
