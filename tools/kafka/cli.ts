/**
 * Command line for the local Kafka harness.
 *
 *   node tools/kafka/cli.ts resolve [--version V] [--streams]
 *       download the jars into .cache/kafka (CI warms the cache with it)
 *   node tools/kafka/cli.ts start [--version V] [--nodes 1|3] [--port P]
 *       start a broker, print its bootstrap address, run until Ctrl-C
 *
 * KAFKA_VERSION sets the default version. Errors are one line on stderr and
 * exit status 1.
 */
import { parseArgs } from 'node:util';
import { HarnessError } from './harnessError.ts';
import { startKafka } from './localKafka.ts';
import { resolveKafkaLibs } from './resolve.ts';
import { kafkaVersionFromEnv, parseKafkaVersion } from './versions.ts';

const USAGE = 'usage: cli.ts resolve [--version V] [--streams] | start [--version V] [--nodes 1|3] [--port P]';

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      version: { type: 'string' },
      nodes: { type: 'string', default: '1' },
      port: { type: 'string' },
      streams: { type: 'boolean', default: false },
    },
  });
  const version = values.version ? parseKafkaVersion(values.version) : kafkaVersionFromEnv();
  switch (positionals[0]) {
    case 'resolve': {
      const dir = await resolveKafkaLibs({ version, profile: values.streams ? 'streams' : 'broker' });
      process.stdout.write(`${dir}\n`);
      return;
    }
    case 'start': {
      const nodes = values.nodes === '3' ? 3 : values.nodes === '1' ? 1 : undefined;
      if (!nodes) throw new HarnessError(`--nodes must be 1 or 3, not "${values.nodes}"`);
      const port = values.port === undefined ? undefined : Number(values.port);
      const kafka = await startKafka({
        version: version.text,
        nodes,
        ...(port === undefined ? {} : { clientPorts: [port] }),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${kafka.bootstrapServers}\n`);
      process.stderr.write('press Ctrl-C to stop\n');
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, resolve);
      });
      await kafka.stop();
      return;
    }
    default:
      throw new HarnessError(USAGE);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof HarnessError ? err.message : String(err)}\n`);
  process.exit(1);
});
