/**
 * OffsetFetch v8 (KIP-709, Kafka 3.0+): the committed offsets of many groups
 * in one request to their coordinator. kafkajs 2.2.4 sends one group per
 * request (v1–v7); this encodes and decodes v8 as bytes for `sendRaw`.
 * Schemas: Kafka's OffsetFetchRequest.json / OffsetFetchResponse.json.
 */
import { Reader, Writer } from './wire.ts';

export const OFFSET_FETCH_API_KEY = 9;
export const OFFSET_FETCH_BATCH_VERSION = 8;

export interface GroupOffsetsRequest {
  readonly groupId: string;
  /** Partitions by topic; `null` asks for every partition the group has committed. */
  readonly topics: ReadonlyArray<{ readonly topic: string; readonly partitions: readonly number[] }> | null;
}

export interface GroupOffsetsResponse {
  readonly groupId: string;
  /** The group's error code (0: none), e.g. NOT_COORDINATOR (16). */
  readonly errorCode: number;
  readonly partitions: ReadonlyArray<{
    readonly topic: string;
    readonly partition: number;
    readonly offset: bigint;
    readonly errorCode: number;
  }>;
}

/** The request body (after the request header), requireStable false, as kafkajs asks. */
export function encodeOffsetFetchBatch(groups: readonly GroupOffsetsRequest[]): Buffer {
  return new Writer()
    .compactArray(groups, (w, group) => {
      w.compactString(group.groupId)
        .compactArray(group.topics, (wt, t) => {
          wt.compactString(t.topic)
            .compactArray(t.partitions, (wp, p) => void wp.int32(p))
            .noTags();
        })
        .noTags();
    })
    .bool(false)
    .noTags()
    .bytes();
}

/** The response body (after the response header's tagged fields). */
export function decodeOffsetFetchBatch(body: Buffer): GroupOffsetsResponse[] {
  const r = new Reader(body);
  r.int32(); // throttle time
  const groups = r.compactArray((rg) => {
    const groupId = rg.compactString();
    const partitions = rg
      .compactArray((rt) => {
        const topic = rt.compactString();
        const rows = rt.compactArray((rp) => {
          const partition = rp.int32();
          const offset = rp.int64();
          rp.int32(); // committed leader epoch
          rp.compactNullableString(); // metadata
          const errorCode = rp.int16();
          rp.skipTags();
          return { topic, partition, offset, errorCode };
        });
        rt.skipTags();
        return rows;
      })
      .flat();
    const errorCode = rg.int16();
    rg.skipTags();
    return { groupId, errorCode, partitions };
  });
  r.skipTags();
  return groups;
}
