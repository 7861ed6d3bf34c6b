import assert from 'node:assert/strict';
import { settledWithin, withDeadline } from './deadline.ts';

const never = new Promise<never>(() => {});

describe('deadlines', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly promise: () => Promise<unknown>;
    readonly early: boolean;
  }> = [
    { name: 'a promise that resolves ends the wait at once', promise: () => Promise.resolve(1), early: true },
    {
      name: 'a promise that rejects ends it too, without throwing',
      promise: () => Promise.reject(new Error('x')),
      early: true,
    },
    { name: 'a promise that never settles: the wait ends after its time', promise: () => never, early: false },
  ];
  for (const c of cases) {
    it(`settledWithin: ${c.name}`, async () => {
      let timedOut = false;
      const marker = new Promise<void>((resolve) => setTimeout(() => ((timedOut = true), resolve()), 20));
      await settledWithin(c.promise(), 20);
      assert.equal(timedOut, !c.early);
      await marker;
    });
  }

  it('withDeadline rejects with what onTimeout makes when the promise is late', async () => {
    await assert.rejects(
      withDeadline(never, 5, () => new Error('late')),
      /late/,
    );
    assert.equal(await withDeadline(Promise.resolve(7), 5, () => new Error('late')), 7);
  });
});
