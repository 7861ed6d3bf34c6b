/**
 * The parameters only the `offset` strategy reads: none. It is KEDA's own
 * lag, and every parameter it reads (lagThreshold, activationLagThreshold,
 * offsetResetPolicy, allowIdleConsumers, ...) is one of KEDA's `kafka`
 * scaler, read by the analysis every strategy shares, so they are common
 * (triggerMetadata.ts).
 */
import type { Schema } from '../../../schema.ts';

export const OFFSET_PARAMS = {} as const satisfies Schema;
