// A Kafka Streams application with three sub-topologies, for the scaler's
// tests of topologies read from the running app.
//
// Topology (three sub-topologies, 11 tasks when --left and --right have 4
// partitions and --third has 3):
//   0: <left> join <right> (inner, within --join-window-ms, window stores
//      left-right-this-join-store and left-right-other-join-store)
//      -> [sleep if --slow=join] -> <joined>
//      -> re-key by the first character of the left value -> <app-id>-by-first-repartition
//   1: <app-id>-by-first-repartition -> count (in-memory store first-counts,
//      changelog <app-id>-first-counts-changelog) -> [sleep if --slow=count] -> <counts>
//   2: <third> -> keep non-empty values -> [sleep if --slow=filter] -> <filtered>
//
// The repartition topic gets the partition count of sub-topology 0's inputs.
// Every DSL store is in memory (no RocksDB). Arguments are --name=value:
//   --bootstrap --app-id --left --right --third --joined --counts --filtered --state-dir
//   [--join-window-ms=60000] [--slow=join|count|filter] [--delay-ms=0] [--threads=1]
//   [--commit-ms=1000] [--prop.<any Streams or client config>=value ...]
// (--prop.group.protocol=streams joins a streams group, KIP-1071.)
// Prints the topology, then "STATE <state>" on every state change and, on
// each RUNNING, "TASKS <active task ids of this instance, comma-separated>", to stdout.

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.Stores;

public final class MultiPipelineApp {
  private MultiPipelineApp() {}

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> opts = AppArgs.parse(args);
    String slow = opts.getOrDefault("slow", "");
    if (!slow.isEmpty() && !slow.equals("join") && !slow.equals("count") && !slow.equals("filter")) {
      throw new IllegalArgumentException("--slow must be join, count or filter, not " + slow);
    }
    long delayMs = Long.parseLong(opts.getOrDefault("delay-ms", "0"));
    long joinDelay = slow.equals("join") ? delayMs : 0;
    long countDelay = slow.equals("count") ? delayMs : 0;
    long filterDelay = slow.equals("filter") ? delayMs : 0;
    Duration joinWindow = Duration.ofMillis(Long.parseLong(opts.getOrDefault("join-window-ms", "60000")));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, AppArgs.required(opts, "app-id"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, AppArgs.required(opts, "bootstrap"));
    props.put(StreamsConfig.STATE_DIR_CONFIG, AppArgs.required(opts, "state-dir"));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(opts.getOrDefault("threads", "1")));
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.parseLong(opts.getOrDefault("commit-ms", "1000")));
    props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
    // No record cache: every counted record goes downstream (and through the sleep) at once.
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, -1);
    props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 10000);
    props.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1000);
    AppArgs.putProperties(opts, props);

    StreamsBuilder builder = new StreamsBuilder();
    Consumed<String, String> strings = Consumed.with(Serdes.String(), Serdes.String());
    KStream<String, String> left = builder.stream(AppArgs.required(opts, "left"), strings);
    KStream<String, String> right = builder.stream(AppArgs.required(opts, "right"), strings);
    KStream<String, String> joined = left
        .join(right, (l, r) -> l + "+" + r, JoinWindows.ofTimeDifferenceWithNoGrace(joinWindow),
            StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String()).withStoreName("left-right"))
        .peek((key, value) -> AppArgs.pause(joinDelay));
    joined.to(AppArgs.required(opts, "joined"), Produced.with(Serdes.String(), Serdes.String()));
    joined
        .groupBy((key, value) -> value.isEmpty() ? "" : value.substring(0, 1),
            Grouped.with("by-first", Serdes.String(), Serdes.String()))
        .count(Materialized.<String, Long>as(Stores.inMemoryKeyValueStore("first-counts"))
            .withKeySerde(Serdes.String())
            .withValueSerde(Serdes.Long()))
        .toStream()
        .peek((key, count) -> AppArgs.pause(countDelay))
        .to(AppArgs.required(opts, "counts"), Produced.with(Serdes.String(), Serdes.Long()));
    builder.stream(AppArgs.required(opts, "third"), strings)
        .filter((key, value) -> value != null && !value.isEmpty())
        .peek((key, value) -> AppArgs.pause(filterDelay))
        .to(AppArgs.required(opts, "filtered"), Produced.with(Serdes.String(), Serdes.String()));
    Topology topology = builder.build();
    System.out.println(topology.describe());

    KafkaStreams streams = new KafkaStreams(topology, props);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener((next, previous) -> {
      System.out.println("STATE " + next);
      if (next == KafkaStreams.State.RUNNING) System.out.println("TASKS " + activeTasks(streams));
      if (next == KafkaStreams.State.NOT_RUNNING || next == KafkaStreams.State.ERROR) stopped.countDown();
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(10));
      stopped.countDown();
    }));
    streams.start();
    stopped.await();
  }

  private static String activeTasks(KafkaStreams streams) {
    return streams.metadataForLocalThreads().stream()
        .flatMap(thread -> thread.activeTasks().stream())
        .map(task -> task.taskId().toString())
        .sorted()
        .collect(Collectors.joining(","));
  }
}
