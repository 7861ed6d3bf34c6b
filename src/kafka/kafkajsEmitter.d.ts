// kafkajs ships no types for its internal modules; these are the two the reader uses.
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
