/**
 * What the demo reads from the scaler's HTTP API besides KEDA's gRPC
 * answers: the decision's explanation and the lag per sub-topology of one
 * trigger, from `/api/triggers` (what an operator sees on the status page).
 */

export interface TriggerView {
  readonly explanation: string;
  /** Records waiting per sub-topology id. */
  readonly lag: ReadonlyMap<string, number>;
}

interface StatusJson {
  readonly scaledObject?: unknown;
  readonly metricName?: unknown;
  readonly decision?: {
    readonly explanation?: unknown;
    readonly topology?: { readonly subTopologies?: ReadonlyArray<{ readonly id?: unknown; readonly lag?: unknown }> };
  };
}

/** The trigger of ScaledObject `namespace/name` with `metricName`, picked from an /api/triggers body. */
export function pickTrigger(body: unknown, scaledObject: string, metricName: string): TriggerView | undefined {
  const triggers = (body as { triggers?: unknown })?.triggers;
  if (!Array.isArray(triggers)) return undefined;
  const status = (triggers as StatusJson[]).find((t) => t.scaledObject === scaledObject && t.metricName === metricName);
  if (!status?.decision) return undefined;
  const lag = new Map<string, number>();
  for (const sub of status.decision.topology?.subTopologies ?? []) {
    const value = Number(sub.lag);
    if (typeof sub.id === 'string' && Number.isFinite(value)) lag.set(sub.id, value);
  }
  const explanation = status.decision.explanation;
  return { explanation: typeof explanation === 'string' ? explanation : '', lag };
}

/** Reads the trigger from the scaler at `httpPort`; undefined if it is not listed (yet). */
export async function readTrigger(
  httpPort: number,
  scaledObject: string,
  metricName: string,
): Promise<TriggerView | undefined> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/api/triggers`, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) throw new Error(`/api/triggers answered ${response.status}`);
  return pickTrigger(await response.json(), scaledObject, metricName);
}
