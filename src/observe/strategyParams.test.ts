/**
 * Who owns each trigger parameter: the common table (triggerMetadata.ts) or
 * exactly one strategy's fragment (model/metadata/strategies/), and a
 * strategy's fragment names exactly what that strategy alone reads. What a
 * strategy reads is observed, not declared: its target, its decision and the
 * figures every trigger shows run on metadata behind a proxy that records
 * every parameter looked at.
 */
import assert from 'node:assert/strict';
import { row, sample, stableGroup } from '../../test/support/samples.ts';
import { NO_COMMIT, type Sample } from '../model/sample.ts';
import { composeSchema, field, type Schema } from '../schema.ts';
import { STRATEGY_PARAMS } from '../model/metadata/strategies/strategyParams.ts';
import { STRATEGY_NAMES, type StrategyName } from '../model/metadata/strategyNames.ts';
import { COMMON_PARAMS, parseTriggerMetadata, TRIGGER_SCHEMA } from '../model/metadata/triggerMetadata.ts';
import { strategyByName } from '../lag/registry.ts';
import { triggerFigures } from './figures.ts';

type Owner = 'common' | StrategyName;

/** Every place a parameter may be declared, in the schema's order. */
const PLACES: ReadonlyArray<readonly [owner: Owner, schema: Schema]> = [
  ['common', COMMON_PARAMS],
  ...STRATEGY_NAMES.map((name) => [name, STRATEGY_PARAMS[name]] as const),
];

const fieldsOf = (schema: Schema): Readonly<Record<string, unknown>> => schema;

describe('strategy parameters: every trigger parameter is declared in exactly one place', () => {
  for (const name of Object.keys(TRIGGER_SCHEMA)) {
    const owners = PLACES.filter(([, schema]) => Object.hasOwn(schema, name));
    it(`${name}: ${owners.map(([owner]) => owner).join(' and ') || 'no owner'}`, () => {
      assert.equal(owners.length, 1, `${name} is declared by ${owners.length} places`);
      const [, schema] = owners[0]!;
      assert.equal(fieldsOf(TRIGGER_SCHEMA)[name], fieldsOf(schema)[name], "the schema holds the owner's declaration");
    });
  }

  it("the trigger schema is the places' parameters, all of them, in order: common first, then STRATEGY_NAMES'", () => {
    assert.deepEqual(
      Object.keys(TRIGGER_SCHEMA),
      PLACES.flatMap(([, schema]) => Object.keys(schema)),
    );
  });

  for (const name of STRATEGY_NAMES) {
    it(`${name}: the strategy points at its fragment`, () =>
      assert.equal(strategyByName(name).params, STRATEGY_PARAMS[name]));
    for (const [parameter, spec] of Object.entries(STRATEGY_PARAMS[name])) {
      it(`${name}: ${parameter}'s doc says whose it is`, () => assert.match(spec.doc, new RegExp(`^\`${name}\`: `)));
    }
  }
  for (const [parameter, spec] of Object.entries(COMMON_PARAMS)) {
    it(`common: ${parameter}'s doc names no strategy as its owner`, () =>
      assert.doesNotMatch(spec.doc, new RegExp(`^\`(${STRATEGY_NAMES.join('|')})\`:`)));
  }

  it('a parameter declared twice is refused, naming both places', () => {
    const twice = field.int({ doc: 'x', fallback: 1 });
    assert.throws(
      () =>
        composeSchema([
          ['the common parameters', { lagThreshold: twice }],
          ['strategy "x"', { lagThreshold: twice }],
        ]),
      /^Error: parameter "lagThreshold" is declared by both the common parameters and strategy "x"$/,
    );
  });
});

/**
 * Three partitions of `in` polled every 5 s for 2 minutes by a stable group
 * of two: records arrive faster than they are committed, so there is a
 * backlog, arrivals, commits and a scale-down delay to look back over; and a
 * fourth partition without a committed offset.
 */
function busyHistory(): Sample[] {
  const out: Sample[] = [];
  for (let t = 0; t <= 120_000; t += 5_000) {
    const rows = [0, 1, 2].map((p) => row('in', p, BigInt(Math.floor(t / 100)), BigInt(Math.floor(t / 40) + 50)));
    out.push(sample(1_000_000 + t, [...rows, row('in', 3, NO_COMMIT, 10n)], stableGroup(2)));
  }
  return out;
}

/**
 * The parameters `name`'s target and decision read. The metadata turns on
 * everything a strategy may look at (a topic, persistent lag, a given
 * replicaThroughput), the same for every strategy.
 */
function parametersRead(name: StrategyName): ReadonlySet<string> {
  const parsed = parseTriggerMetadata({
    bootstrapServers: 'k:9092',
    consumerGroup: 'app',
    topic: 'in',
    partitionLimitation: '0-3',
    excludePersistentLag: 'true',
    replicaThroughput: '5',
    lagStrategy: name,
  });
  assert.deepEqual(parsed.problems, []);
  const read = new Set<string>();
  const metadata = new Proxy(parsed.metadata, {
    get(target, key, receiver) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
    has(target, key) {
      if (typeof key === 'string') read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      for (const key of Reflect.ownKeys(target)) if (typeof key === 'string') read.add(key);
      return Reflect.ownKeys(target);
    },
  });
  const strategy = strategyByName(name);
  const history = busyHistory();
  const latest = history.at(-1)!;
  strategy.target(metadata);
  const decision = strategy.decide({ metadata, latest, history, now: latest.at });
  assert.ok(decision.explanation.length > 0);
  // The figures every trigger shows (metrics, status page) read parameters too.
  assert.ok(triggerFigures(decision, history, latest, metadata).arrivalRate !== undefined);
  return read;
}

describe("strategy parameters: a strategy's fragment names what it alone reads", () => {
  const reads = new Map<StrategyName, ReadonlySet<string>>();
  before(() => {
    for (const name of STRATEGY_NAMES) reads.set(name, parametersRead(name));
  });
  const readsOf = (name: StrategyName): ReadonlySet<string> => reads.get(name)!;

  for (const name of STRATEGY_NAMES) {
    const own = Object.keys(STRATEGY_PARAMS[name]);
    const others = STRATEGY_NAMES.filter((n) => n !== name).flatMap((n) => Object.keys(STRATEGY_PARAMS[n]));
    it(`${name} reads every parameter of its fragment: ${own.join(', ') || 'none'}`, () => {
      assert.deepEqual(
        own.filter((p) => !readsOf(name).has(p)),
        [],
      );
    });
    it(`${name} reads no other strategy's parameter`, () => {
      assert.deepEqual(
        others.filter((p) => readsOf(name).has(p)),
        [],
      );
    });
  }

  for (const parameter of Object.keys(COMMON_PARAMS)) {
    it(`common ${parameter} is not read by one strategy alone`, () => {
      const readers = STRATEGY_NAMES.filter((name) => readsOf(name).has(parameter));
      assert.notEqual(readers.length, 1, `only ${readers.join()} reads ${parameter}: declare it in its fragment`);
    });
  }
});
