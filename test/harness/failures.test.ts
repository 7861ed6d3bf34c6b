/**
 * Bad input to the harness ends in one clear line, never a hang: each case is
 * bounded by mocha's timeout and asserts the exact sentence.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startKafka } from '../../tools/kafka/localKafka.ts';

describe('harness: bad input gives one clear error line', () => {
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'harness-test-'));
  });
  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  async function expectOneLine(promise: Promise<unknown>, message: RegExp): Promise<void> {
    await assert.rejects(promise, (err: Error) => {
      assert.equal(err.name, 'HarnessError');
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /\n/, 'the message is a single line');
      return true;
    });
  }

  it('an unknown Kafka version names the version and suggests one that exists', async () => {
    await expectOneLine(
      startKafka({ version: '4.99.0', cacheDir: scratch }),
      /^kafka harness: Kafka 4\.99\.0 is not on Maven Central \(org\.apache\.kafka:kafka_2\.13:jar:4\.99\.0 not found\)/,
    );
  });

  it('an unreachable Maven repository says so and names it', async () => {
    const settings = path.join(scratch, 'settings.xml');
    writeFileSync(
      settings,
      '<settings><mirrors><mirror><id>dead</id><mirrorOf>*</mirrorOf><url>http://127.0.0.1:9/maven2</url></mirror></mirrors></settings>',
    );
    await expectOneLine(
      startKafka({ cacheDir: scratch, mavenSettings: settings, mavenRepoLocal: path.join(scratch, 'm2') }),
      /^kafka harness: cannot download Kafka [\d.]+: Maven repository unreachable \(http:\/\/127\.0\.0\.1:9\)/,
    );
  });

  it('a client port already in use is refused before anything starts', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expectOneLine(
        startKafka({ clientPorts: [port] }),
        new RegExp(`^kafka harness: port 127\\.0\\.0\\.1:${port} is already in use`),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('a malformed version is rejected without running Maven', async () => {
    await expectOneLine(startKafka({ version: 'newest' }), /KAFKA_VERSION "newest" is not a release number/);
  });
});
