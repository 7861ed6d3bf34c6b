/**
 * `time`: seconds behind. The metric is the age of the oldest unprocessed
 * record, the max per sub-topology and the max over sub-topologies (never a
 * sum: ten partitions a minute behind are a minute behind, not ten), capped
 * at the useful maximum; the target is timeLagThreshold seconds per replica.
 */
import { partitionKey } from '../model/sample.ts';
import { describeTopology } from '../streams/topology.ts';
import type { Decision, PartitionDecision } from '../model/decision.ts';
import { TIME_PARAMS } from '../model/metadata/strategies/timeParams.ts';
import { analyze, commonNotes, topologyDecision } from './analysis.ts';
import type { LagStrategy, StrategyInput } from './strategy.ts';
import { timeLagInHistory, type TimeLagBasis } from './timeLag.ts';

const round = (seconds: number): number => Math.round(seconds * 10) / 10;

export const timeStrategy: LagStrategy = {
  name: 'time',
  summary: 'seconds behind: the age of the oldest unprocessed record; target timeLagThreshold seconds per replica',
  params: TIME_PARAMS,
  // Records are dated by the end offsets of every poll of the history.
  needs: { recordTimestamps: true, wholeHistory: true },
  target: (metadata) => metadata.timeLagThreshold,
  decide(input: StrategyInput): Decision {
    const m = input.metadata;
    const a = analyze(input);
    const indexOf = new Map(input.latest.partitions.map((p, i) => [partitionKey(p.topic, p.partition), i]));
    const bases = new Set<TimeLagBasis>();
    const partitions: PartitionDecision[] = a.partitions.map((p) => {
      if (p.role === 'changelog') return p;
      const key = partitionKey(p.topic, p.partition);
      const index = indexOf.get(key)!;
      const lag = timeLagInHistory(input.latest.partitions[index]!, index, input.history, input.now);
      if (lag.ms > 0) bases.add(lag.basis);
      return { ...p, timeLagSeconds: round(lag.ms / 1000) };
    });

    const bySub = new Map<string, number>();
    for (const p of partitions) {
      if (p.subTopology === undefined || p.timeLagSeconds === undefined) continue;
      bySub.set(p.subTopology, Math.max(bySub.get(p.subTopology) ?? 0, p.timeLagSeconds));
    }
    let dominant: string | undefined;
    let seconds = 0;
    for (const [id, s] of bySub) if (s > seconds) [dominant, seconds] = [id, s];
    const cap = a.topology.usefulMax * m.timeLagThreshold;
    const metric = Math.min(seconds, cap);
    const oldest = partitions.find((p) => p.subTopology === dominant && p.timeLagSeconds === seconds);

    const words = [
      seconds > 0 && oldest
        ? `oldest unprocessed record ${seconds}s old in ${oldest.topic}-${oldest.partition} (sub-topology ${dominant})`
        : 'nothing waiting',
    ];
    if (bases.has('older-than-history')) words.push('at least: some records are older than the poll history');
    words.push(...commonNotes(a));
    if (metric < seconds) words.push(`capped at the useful max: ${describeTopology(a.topology)}`);
    words.push(`metric ${metric}s for target ${m.timeLagThreshold}s`);
    words.push(
      `${a.active ? 'active' : 'inactive'}: lag ${a.keda.activationLag} ${a.active ? '>' : '≤'} ${m.activationLagThreshold}`,
    );
    return {
      metricValue: metric,
      target: m.timeLagThreshold,
      active: a.active,
      explanation: words.join('; '),
      partitions,
      topology: topologyDecision(a, (id) => ({ timeLagSeconds: bySub.get(id) ?? 0 })),
      ...(dominant === undefined ? {} : { dominant }),
      stalled: a.stalled,
    };
  },
};
