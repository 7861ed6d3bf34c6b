/** Prometheus exposition text as the tests read it. */

/** Every sample of the exposition text as `name{labels}` → value. */
export function metricSamples(text: string): Map<string, number> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => {
        const at = l.lastIndexOf(' ');
        return [l.slice(0, at), Number(l.slice(at + 1))] as const;
      }),
  );
}
