// A small Kafka Streams application for the scaler's tests and demo.
//
// Topology (two sub-topologies):
//   0: <input> -> re-key by value -> <app-id>-by-word-repartition
//   1: <app-id>-by-word-repartition -> count (in-memory store word-counts,
//      changelog <app-id>-word-counts-changelog) -> [sleep --delay-ms] -> <output>
//
// The sleep slows the downstream sub-topology alone, so its repartition
// topic lags while the source keeps up; a record with the --stall-on word
// blocks its thread for ten minutes, like a poison pill. Arguments are --name=value:
//   --bootstrap --app-id --input --output --state-dir [--delay-ms=0] [--stall-on=]
//   [--threads=1] [--guarantee=at_least_once|exactly_once_v2] [--commit-ms=1000]
//   [--prop.<any Streams or client config>=value ...]
// Prints "STATE <state>" on every state change, to stdout.

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

public final class StreamsLagApp {
  private StreamsLagApp() {}

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> opts = AppArgs.parse(args);
    String input = AppArgs.required(opts, "input");
    String output = AppArgs.required(opts, "output");
    long delayMs = Long.parseLong(opts.getOrDefault("delay-ms", "0"));
    String stallOn = opts.getOrDefault("stall-on", "");

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, AppArgs.required(opts, "app-id"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, AppArgs.required(opts, "bootstrap"));
    props.put(StreamsConfig.STATE_DIR_CONFIG, AppArgs.required(opts, "state-dir"));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(opts.getOrDefault("threads", "1")));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, opts.getOrDefault("guarantee", "at_least_once"));
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.parseLong(opts.getOrDefault("commit-ms", "1000")));
    // No record cache: every counted record goes downstream (and through the sleep) at once.
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1);
    props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 10000);
    props.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1000);
    AppArgs.putProperties(opts, props);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .groupBy((key, value) -> value, Grouped.with("by-word", Serdes.String(), Serdes.String()))
        .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("word-counts"))
            .withKeySerde(Serdes.String())
            .withValueSerde(Serdes.Long()))
        .toStream()
        .peek((word, count) -> AppArgs.pause(!stallOn.isEmpty() && stallOn.equals(word) ? 600_000 : delayMs))
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    Topology topology = builder.build();
    System.out.println(topology.describe());

    KafkaStreams streams = new KafkaStreams(topology, props);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener((next, previous) -> {
      System.out.println("STATE " + next);
      if (next == KafkaStreams.State.NOT_RUNNING || next == KafkaStreams.State.ERROR) stopped.countDown();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(java.time.Duration.ofSeconds(10));
      stopped.countDown();
    }));
    streams.start();
    stopped.await();
  }
}
