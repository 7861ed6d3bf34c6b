/** The parameters only the `time` strategy reads (lag/timeStrategy.ts). */
import { field, type Schema } from '../../../schema.ts';

export const TIME_PARAMS = {
  timeLagThreshold: field.number({
    doc: '`time`: target seconds behind per replica',
    fallback: 60,
    greaterThan: 0,
  }),
} as const satisfies Schema;
