/**
 * server.properties for the harness's KRaft nodes: combined broker+controller
 * nodes on 127.0.0.1 with a static quorum, which both 3.9 and 4.x format
 * without quorum flags. Values are written one per line with no trailing
 * comments (a `#` after a value would become part of it).
 */
import { LOOPBACK } from './ports.ts';

export interface NodeAddress {
  readonly id: number;
  readonly clientPort: number;
  readonly controllerPort: number;
}

export interface BrokerConfigInput {
  readonly node: NodeAddress;
  readonly quorum: readonly NodeAddress[];
  readonly dataDir: string;
  /** Extra or overriding properties (listeners for TLS/SASL, timeouts, ...). */
  readonly overrides?: Readonly<Record<string, string>>;
}

export function brokerProperties(input: BrokerConfigInput): string {
  const { node, quorum, dataDir } = input;
  const replicas = quorum.length;
  const minIsr = replicas >= 3 ? 2 : 1;
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': String(node.id),
    'controller.quorum.voters': quorum.map((n) => `${n.id}@${LOOPBACK}:${n.controllerPort}`).join(','),
    listeners: `PLAINTEXT://${LOOPBACK}:${node.clientPort},CONTROLLER://${LOOPBACK}:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${LOOPBACK}:${node.clientPort}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': dataDir,
    'num.partitions': '1',
    'default.replication.factor': String(replicas),
    'min.insync.replicas': String(minIsr),
    'offsets.topic.replication.factor': String(replicas),
    // Fewer partitions than the default 50 make __consumer_offsets quick to create.
    'offsets.topic.num.partitions': '5',
    'transaction.state.log.replication.factor': String(replicas),
    'transaction.state.log.min.isr': String(minIsr),
    'transaction.state.log.num.partitions': '5',
    // 4.x only; 3.x ignores unknown keys.
    'share.coordinator.state.topic.replication.factor': String(replicas),
    'share.coordinator.state.topic.min.isr': String(minIsr),
    'group.initial.rebalance.delay.ms': '0',
    // Tests create every topic they use, so a typo fails instead of silently creating one.
    'auto.create.topics.enable': 'false',
    'num.recovery.threads.per.data.dir': '1',
    'num.network.threads': '2',
    'num.io.threads': '2',
    // A killed node is fenced after 6 s instead of 9 s, so fault tests move on sooner.
    'broker.session.timeout.ms': '6000',
    'broker.heartbeat.interval.ms': '1000',
    'log.flush.interval.messages': '9223372036854775807',
    ...input.overrides,
  };
  return (
    Object.entries(props)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n') + '\n'
  );
}

/** Console-only logging for 3.x brokers (reload4j), passed as -Dlog4j.configuration. */
export const LOG4J1_PROPERTIES = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
`;

/** Console-only logging for 4.x brokers (Log4j 2), passed as -Dlog4j2.configurationFile. */
export const LOG4J2_PROPERTIES = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.req.name = kafka.request.logger
logger.req.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
`;
