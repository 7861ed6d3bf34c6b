/** The parameters only the `rate` strategy reads (lag/rateStrategy.ts and the helpers it alone calls). */
import { field, JSON_NUMBER, type Schema } from '../../../schema.ts';

export const RATE_PARAMS = {
  replicaThroughput: field.custom<number | undefined>(
    {
      doc: '`rate`: records per second one replica processes; learned from the group when not given',
      fallback: undefined,
    },
    (raw) => {
      const value = Number(raw);
      return JSON_NUMBER.test(raw) && value > 0 && Number.isFinite(value)
        ? { value }
        : { problem: 'must be a finite number greater than 0' };
    },
  ),
  targetUtilization: field.number({
    doc: "`rate`: the share of a replica's throughput that steady arrivals may use",
    fallback: 0.7,
    greaterThan: 0,
    max: 1,
  }),
  catchUpSeconds: field.number({
    doc: '`rate`: the time in which a backlog should be worked off',
    fallback: 300,
    greaterThan: 0,
  }),
  scaleDownDelay: field.duration({
    doc: '`rate`: a lower replica count is recommended only after it held this long',
    fallback: 300_000,
  }),
} as const satisfies Schema;
