/**
 * One KEDA poll of an external trigger, as KEDA makes it: GetMetricSpec, then
 * GetMetrics for the returned name, then IsActive; and the replicas an
 * AverageValue HPA would want from the answer.
 */
import type { ScaledObjectRef } from '../../src/generated/externalscaler.ts';
import type { ScalerClient } from './scalerClient.ts';

export interface KedaPoll {
  readonly metricName: string;
  readonly metricValue: number;
  readonly target: number;
  readonly active: boolean;
  /** 0 when inactive, else ceil(metric / target) within [1, maxReplicas]. */
  readonly replicas: number;
}

export async function kedaPoll(client: ScalerClient, ref: ScaledObjectRef, maxReplicas = 100): Promise<KedaPoll> {
  const { metricSpecs } = await client.getMetricSpec(ref);
  const spec = metricSpecs[0];
  if (!spec || metricSpecs.length !== 1) throw new Error(`expected one metric spec, got ${metricSpecs.length}`);
  // KEDA prefers the double fields when they are above 0.
  const target = spec.targetSizeFloat > 0 ? spec.targetSizeFloat : spec.targetSize;
  const { metricValues } = await client.getMetrics(ref, spec.metricName);
  const value = metricValues[0];
  if (!value) throw new Error('no metric value');
  const metricValue = value.metricValueFloat > 0 ? value.metricValueFloat : value.metricValue;
  const { result: active } = await client.isActive(ref);
  const replicas = active ? Math.min(maxReplicas, Math.max(1, Math.ceil(metricValue / target))) : 0;
  return { metricName: spec.metricName, metricValue, target, active, replicas };
}
