import assert from 'node:assert/strict';
import { STRATEGY_NAMES } from '../model/metadata/strategyNames.ts';
import { strategyByName } from './registry.ts';

describe('strategy registry', () => {
  for (const name of STRATEGY_NAMES) {
    it(`"${name}" selects the strategy of that name`, () => assert.equal(strategyByName(name).name, name));
  }

  it('an unknown name is an error naming the known ones', () => {
    assert.throws(() => strategyByName('toString'), /unknown lag strategy "toString"; known: offset, time, rate/);
  });
});
