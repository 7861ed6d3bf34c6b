// A plain KafkaConsumer in a group, for the scaler's tests of groups that are
// not Kafka Streams apps; by default it joins with group.protocol=consumer
// (KIP-848), which kafkajs cannot speak.
//
// It subscribes to --topics, reads from the earliest offset when the group has
// none, sleeps --delay-ms per record and commits either automatically (every
// --commit-ms) or synchronously after each poll. Arguments are --name=value:
//   --bootstrap --group --topics=a,b [--protocol=consumer|classic] [--commit=auto|sync]
//   [--commit-ms=1000] [--delay-ms=0] [--prop.<any consumer config>=value ...]
// Prints "ASSIGNMENT <topic-partition,...>" on every assignment change and
// "READY" after the first one (which may be empty, with more members than
// partitions), to stdout. SIGTERM closes the consumer, which leaves the group.

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

public final class PlainConsumerApp {
  private PlainConsumerApp() {}

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> opts = AppArgs.parse(args);
    String commit = opts.getOrDefault("commit", "auto");
    if (!commit.equals("auto") && !commit.equals("sync")) {
      throw new IllegalArgumentException("--commit must be auto or sync, not " + commit);
    }
    long delayMs = Long.parseLong(opts.getOrDefault("delay-ms", "0"));

    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, AppArgs.required(opts, "bootstrap"));
    props.put(ConsumerConfig.GROUP_ID_CONFIG, AppArgs.required(opts, "group"));
    props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, opts.getOrDefault("protocol", "consumer"));
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, commit.equals("auto"));
    props.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, Integer.parseInt(opts.getOrDefault("commit-ms", "1000")));
    AppArgs.putProperties(opts, props);

    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
    Set<TopicPartition> assigned = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
    boolean[] ready = {false};
    ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        assigned.removeAll(partitions);
        report();
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        assigned.addAll(partitions);
        report();
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
      }

      private void report() {
        System.out.println("ASSIGNMENT " + assigned.stream().map(TopicPartition::toString).collect(Collectors.joining(",")));
        if (!ready[0]) {
          ready[0] = true;
          System.out.println("READY");
        }
      }
    };

    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      consumer.wakeup();
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    try {
      consumer.subscribe(Arrays.asList(AppArgs.required(opts, "topics").split(",")), listener);
      while (true) {
        ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
        for (ConsumerRecord<String, String> record : records) AppArgs.pause(delayMs);
        if (commit.equals("sync") && !records.isEmpty()) consumer.commitSync();
      }
    } catch (WakeupException e) {
      // SIGTERM: leave the group below.
    } finally {
      consumer.close(Duration.ofSeconds(10));
      closed.countDown();
    }
  }
}
