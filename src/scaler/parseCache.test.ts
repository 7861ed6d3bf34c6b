import assert from 'node:assert/strict';
import { ParseCache } from './parseCache.ts';

describe('the parsed-metadata cache', () => {
  it('stays within its byte limit, dropping the least recently used entries', () => {
    const cache = new ParseCache<string>(100);
    cache.set('a', 'A', 40);
    cache.set('b', 'B', 40);
    assert.equal(cache.get('a'), 'A'); // a is now the most recently used
    cache.set('c', 'C', 40);
    assert.equal(cache.bytes, 80);
    assert.deepEqual(
      ['a', 'b', 'c'].map((k) => cache.get(k)),
      ['A', undefined, 'C'],
    );
  });

  it('never keeps an entry larger than the whole limit', () => {
    const cache = new ParseCache<string>(100);
    cache.set('small', 's', 10);
    cache.set('huge', 'h', 101);
    assert.equal(cache.get('huge'), undefined);
    assert.equal(cache.get('small'), 's');
    assert.equal(cache.bytes, 10);
  });

  it('counts a replaced entry once', () => {
    const cache = new ParseCache<string>(100);
    cache.set('a', 'A', 30);
    cache.set('a', 'A2', 50);
    assert.equal(cache.bytes, 50);
    assert.equal(cache.size, 1);
  });

  it('600 large maps keep no more than the limit', () => {
    const cache = new ParseCache<number>(16 * 1024 * 1024);
    for (let i = 0; i < 600; i++) cache.set(`map-${i}`, i, 4 * 1024 * 1024);
    assert.ok(cache.bytes <= 16 * 1024 * 1024);
    assert.equal(cache.size, 4);
  });
});
