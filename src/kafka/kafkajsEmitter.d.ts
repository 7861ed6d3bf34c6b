// kafkajs ships no types for its internal modules; these are the ones the reader uses.
declare module 'kafkajs/src/instrumentation/emitter.js' {
  export default class InstrumentationEventEmitter {
    addListener(eventName: string, listener: (event: { payload: Record<string, unknown> }) => void): () => void;
    emit(eventName: string, payload: unknown): void;
  }
}
declare module 'kafkajs/src/network/instrumentationEvents.js' {
  const events: { NETWORK_REQUEST: string; NETWORK_REQUEST_TIMEOUT: string; NETWORK_REQUEST_QUEUE_SIZE: string };
  export default events;
}
declare module 'kafkajs/src/protocol/error.js' {
  /** The kafkajs error for a Kafka error code (type, retriable), as kafkajs throws it for its own requests. */
  export function createErrorFromCode(code: number): Error & { type: string; code: number; retriable: boolean };
}
