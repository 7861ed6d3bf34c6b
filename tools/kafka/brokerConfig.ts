/**
 * server.properties for the harness's KRaft nodes: combined broker+controller
 * nodes on 127.0.0.1 with a static quorum, which both 3.9 and 4.x format
 * without quorum flags. Values are written one per line with no trailing
 * comments (a `#` after a value would become part of it); backslashes and
 * line breaks in values (PEM certificates) are escaped as Java properties
 * files want them.
 *
 * Brokers talk to each other and to the controller over PLAINTEXT; tests may
 * add client listeners of their own (SASL, TLS) next to the PLAINTEXT one.
 *
 * Kafka 4.x brokers serve consumer groups (group.protocol=consumer, KIP-848)
 * and streams groups (group.protocol=streams, KIP-1071) with no settings:
 * group.coordinator.rebalance.protocols defaults to classic,consumer,streams
 * and formatting at the latest metadata version enables streams.version=1.
 * Their timings, though, are the broker's, not the client's (a member's
 * session.timeout.ms is ignored): a 3 s initial rebalance delay for streams
 * groups, 5 s heartbeats and 45 s sessions. groupTimings() shortens them to
 * what the harness gives classic groups, so tests do not wait on them.
 */
import { HarnessError } from './harnessError.ts';
import { LOOPBACK } from './ports.ts';

export interface NodeAddress {
  readonly id: number;
  readonly clientPort: number;
  readonly controllerPort: number;
  /** Ports of the extra client listeners, by listener name. */
  readonly listenerPorts?: Readonly<Record<string, number>>;
}

/** Security protocols of client listeners (Kafka's names). */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** A client listener next to the default PLAINTEXT one, e.g. `{ name: 'SCRAM', protocol: 'SASL_PLAINTEXT' }`. */
export interface ExtraListener {
  /** Upper-case letters, digits and underscores; not PLAINTEXT or CONTROLLER. */
  readonly name: string;
  readonly protocol: SecurityProtocol;
}

const LISTENER_NAME = /^[A-Z][A-Z0-9_]*$/;
const RESERVED_LISTENERS = new Set(['PLAINTEXT', 'CONTROLLER']);

/** Why a set of extra listeners cannot be used, or undefined if it can. */
export function listenersProblem(listeners: readonly ExtraListener[]): string | undefined {
  const seen = new Set<string>();
  for (const { name, protocol } of listeners) {
    if (!LISTENER_NAME.test(name)) return `listener name "${name}" must be upper-case letters, digits and underscores`;
    if (RESERVED_LISTENERS.has(name)) return `listener name "${name}" is the harness's own; pick another`;
    if (seen.has(name)) return `listener name "${name}" is used twice`;
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) {
      return `listener ${name}: protocol "${protocol}" must be one of ${SECURITY_PROTOCOLS.join(', ')}`;
    }
    seen.add(name);
  }
  return undefined;
}

export interface BrokerConfigInput {
  readonly node: NodeAddress;
  readonly quorum: readonly NodeAddress[];
  readonly dataDir: string;
  /** Client listeners besides PLAINTEXT; each needs a port in `node.listenerPorts`. */
  readonly listeners?: readonly ExtraListener[];
  /** Extra or overriding properties (security settings of the listeners, timeouts, ...). */
  readonly overrides?: Readonly<Record<string, string>>;
  /** Kafka's major version, 4 unless told: the consumer and streams group timings go to 4.x only. */
  readonly major?: 3 | 4;
}

export function brokerProperties(input: BrokerConfigInput): string {
  const { node, quorum, dataDir } = input;
  const replicas = quorum.length;
  const minIsr = replicas >= 3 ? 2 : 1;
  const extra = (input.listeners ?? []).map((l) => {
    const port = node.listenerPorts?.[l.name];
    if (port === undefined) throw new HarnessError(`node ${node.id} has no port for listener ${l.name}`);
    return { ...l, address: `${l.name}://${LOOPBACK}:${port}` };
  });
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': String(node.id),
    'controller.quorum.voters': quorum.map((n) => `${n.id}@${LOOPBACK}:${n.controllerPort}`).join(','),
    listeners: [
      `PLAINTEXT://${LOOPBACK}:${node.clientPort}`,
      `CONTROLLER://${LOOPBACK}:${node.controllerPort}`,
      ...extra.map((l) => l.address),
    ].join(','),
    'advertised.listeners': [`PLAINTEXT://${LOOPBACK}:${node.clientPort}`, ...extra.map((l) => l.address)].join(','),
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': [
      'CONTROLLER:PLAINTEXT',
      'PLAINTEXT:PLAINTEXT',
      ...extra.map((l) => `${l.name}:${l.protocol}`),
    ].join(','),
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
    ...((input.major ?? 4) === 4 ? groupTimings() : {}),
    ...input.overrides,
  };
  return (
    Object.entries(props)
      .map(([key, value]) => `${key}=${escapeValue(value)}`)
      .join('\n') + '\n'
  );
}

/**
 * Consumer and streams group timings for 4.x brokers, like the harness's
 * classic groups (no initial rebalance delay, members of the test apps
 * heartbeat every second and are dropped 10 s after a crash). The minimums
 * are lowered with them: the broker rejects intervals below them.
 */
export function groupTimings(): Record<string, string> {
  const timings: Record<string, string> = {};
  for (const kind of ['consumer', 'streams']) {
    timings[`group.${kind}.min.heartbeat.interval.ms`] = '1000';
    timings[`group.${kind}.heartbeat.interval.ms`] = '1000';
    timings[`group.${kind}.min.session.timeout.ms`] = '6000';
    timings[`group.${kind}.session.timeout.ms`] = '10000';
  }
  timings['group.streams.initial.rebalance.delay.ms'] = '0';
  return timings;
}

/** A value as a Java properties file reads it back: backslashes and line breaks escaped. */
function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/**
 * The logging configuration for a broker: console only, the request logger
 * at WARN, or at DEBUG with `requestLog`, so every completed request is one
 * line of the node's log (benchmarks count requests on the broker with it).
 */
export function loggingProperties(major: number, requestLog: boolean): string {
  const base = major === 3 ? LOG4J1_PROPERTIES : LOG4J2_PROPERTIES;
  if (!requestLog) return base;
  return major === 3
    ? base.replace('log4j.logger.kafka.request.logger=WARN', 'log4j.logger.kafka.request.logger=DEBUG')
    : base.replace('logger.req.level = warn', 'logger.req.level = debug');
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
