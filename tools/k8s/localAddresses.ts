/**
 * What a pod network would do for processes on this machine: cluster DNS
 * names (the scaler's Service, a Kafka bootstrap Service) become loopback
 * addresses. The project's manifests and examples are applied as users write
 * them, with only these addresses (and names the test picks) changed.
 */

/** Every string in `value` with each key of `addresses` replaced by its value (whole or within a string). */
export function withLocalAddresses<T>(value: T, addresses: ReadonlyMap<string, string>): T {
  const rewrite = (node: unknown): unknown => {
    if (typeof node === 'string') {
      let text = node;
      for (const [from, to] of addresses) text = text.split(from).join(to);
      return text;
    }
    if (Array.isArray(node)) return node.map(rewrite);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, rewrite(v)]));
    }
    return node;
  };
  return rewrite(value) as T;
}
