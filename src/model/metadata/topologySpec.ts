/**
 * The `topology` trigger parameter: the sub-topologies of a Kafka Streams
 * application and their input topics, as a ScaledObject may give them.
 * streams/topology.ts derives the topology when none is given.
 */

export interface SubTopologySpec {
  readonly id: string;
  readonly inputs: readonly string[];
}

const TOPIC = /^[A-Za-z0-9._-]+$/;

/**
 * Parses the `topology` trigger parameter: sub-topologies separated by `;`,
 * each an optional `name:` and its input topics joined by `+`, e.g.
 * `source:words+clicks;counts:word-count-by-word-repartition`.
 */
export function parseTopology(text: string): { value: readonly SubTopologySpec[] } | { problem: string } {
  const specs: SubTopologySpec[] = [];
  const seen = new Set<string>();
  const parts = text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0) return { problem: 'must name at least one sub-topology' };
  for (const [index, part] of parts.entries()) {
    const colon = part.indexOf(':');
    const id = colon >= 0 ? part.slice(0, colon).trim() : String(index);
    const inputs = (colon >= 0 ? part.slice(colon + 1) : part)
      .split('+')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (id === '' || inputs.length === 0 || inputs.some((t) => !TOPIC.test(t))) {
      return {
        problem: `must be sub-topologies separated by ";", each "name:topic+topic", e.g. "source:words;counts:app-by-word-repartition"`,
      };
    }
    for (const topic of inputs) {
      if (seen.has(topic)) return { problem: `lists topic "${topic}" in more than one sub-topology` };
      seen.add(topic);
    }
    specs.push({ id, inputs });
  }
  return { value: specs };
}
