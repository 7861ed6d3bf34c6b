/**
 * MultiPipelineApp.java, a Kafka Streams application with three
 * sub-topologies, run as JVMs like StreamsLagApp (streamsApp.ts):
 *
 *   0: <left> join <right> (a windowed stream-stream join) → <joined>, and
 *      re-keyed by the first character → <app-id>-by-first-repartition
 *   1: <app-id>-by-first-repartition → count (in memory) → <counts>
 *   2: <third> → filter → <filtered>
 *
 * With `left` and `right` of 4 partitions and `third` of 3 it has 11 tasks
 * (4 + 4 + 3): the repartition topic gets the partition count of its inputs.
 * `properties: { 'group.protocol': 'streams' }` joins a streams group (KIP-1071).
 */
import path from 'node:path';
import { propertyArgs } from './javaApp.ts';
import { launchStreamsMain, type StreamsApp, type StreamsInstance } from './streamsApp.ts';

const MAIN_CLASS = 'MultiPipelineApp';

/** The sub-topologies of MultiPipelineApp by what they do, for `slow`. */
export type MultiPipelineStage = 'join' | 'count' | 'filter';

export interface MultiPipelineAppOptions {
  readonly bootstrap: string;
  readonly appId: string;
  /** The join's inputs; the test creates them with the same partition count. */
  readonly left: string;
  readonly right: string;
  /** The filter's input, a sub-topology of its own. */
  readonly third: string;
  /** Output topics of the join, the count and the filter. */
  readonly joined: string;
  readonly counts: string;
  readonly filtered: string;
  /** Records of `left` and `right` join when their timestamps are at most this far apart; 60 s by default. */
  readonly joinWindowMs?: number;
  /** The sub-topology that sleeps `delayMs` per record, to starve it while the others keep up. */
  readonly slow?: MultiPipelineStage;
  readonly delayMs?: number;
  readonly threads?: number;
  readonly commitMs?: number;
  /** Kafka Streams version; KAFKA_VERSION or the harness default otherwise. */
  readonly version?: string;
  readonly readyTimeoutMs?: number;
  /** More Kafka Streams (or client) configuration, e.g. `{ 'group.protocol': 'streams' }`. */
  readonly properties?: Readonly<Record<string, string>>;
  /** Where the JVM's output goes; by default a file in its temporary folder, deleted with it. */
  readonly logFile?: string;
}

/** Starts an instance and waits until it is RUNNING; kills it if it does not get there. */
export async function startMultiPipelineApp(options: MultiPipelineAppOptions): Promise<StreamsApp> {
  const instance = await launchMultiPipelineApp(options);
  await instance.ready;
  return instance;
}

/** Starts an instance and returns at once; `ready` tells when it is RUNNING. */
export function launchMultiPipelineApp(options: MultiPipelineAppOptions): Promise<StreamsInstance> {
  return launchStreamsMain(MAIN_CLASS, options, (root) => [
    `--bootstrap=${options.bootstrap}`,
    `--app-id=${options.appId}`,
    `--left=${options.left}`,
    `--right=${options.right}`,
    `--third=${options.third}`,
    `--joined=${options.joined}`,
    `--counts=${options.counts}`,
    `--filtered=${options.filtered}`,
    `--state-dir=${path.join(root, 'state')}`,
    `--join-window-ms=${options.joinWindowMs ?? 60_000}`,
    `--slow=${options.slow ?? ''}`,
    `--delay-ms=${options.delayMs ?? 0}`,
    `--threads=${options.threads ?? 1}`,
    `--commit-ms=${options.commitMs ?? 1000}`,
    ...propertyArgs(options.properties),
  ]);
}
