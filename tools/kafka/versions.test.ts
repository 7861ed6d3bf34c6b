import assert from 'node:assert/strict';
import { DEFAULT_KAFKA_VERSION, kafkaVersionFromEnv, parseKafkaVersion } from './versions.ts';

describe('harness versions', () => {
  const accepted = [
    { name: 'a 4.x release gets its own Log4j 2', text: '4.3.1', major: 4, log4j2: '2.25.4' },
    { name: 'the default release', text: DEFAULT_KAFKA_VERSION, major: 4, log4j2: '2.25.5' },
    { name: 'a newer unlisted 4.x minor uses the newest known Log4j 2', text: '4.9.0', major: 4, log4j2: '2.25.5' },
    { name: 'a 3.x release logs through reload4j', text: '3.9.1', major: 3, log4j2: undefined },
  ];
  for (const c of accepted) {
    it(`accepts ${c.text}: ${c.name}`, () => {
      const v = parseKafkaVersion(c.text);
      assert.equal(v.text, c.text);
      assert.equal(v.major, c.major);
      assert.equal(v.log4j2, c.log4j2);
    });
  }

  const rejected = [
    {
      name: 'not a release number',
      text: 'latest',
      message: /KAFKA_VERSION "latest" is not a release number; expected MAJOR\.MINOR\.PATCH/,
    },
    { name: 'a 2.x release (no KRaft combined mode)', text: '2.8.2', message: /Kafka 2\.8\.2 is not supported/ },
    { name: 'a 3.x release older than 3.7', text: '3.6.2', message: /3\.x brokers must be 3\.7 or newer/ },
    { name: 'a future major', text: '5.0.0', message: /Kafka 5\.0\.0 is not supported/ },
  ];
  for (const c of rejected) {
    it(`rejects ${c.text}: ${c.name}`, () => {
      assert.throws(() => parseKafkaVersion(c.text), { name: 'HarnessError', message: c.message });
    });
  }

  it('takes KAFKA_VERSION from the environment, else the default', () => {
    assert.equal(kafkaVersionFromEnv({ KAFKA_VERSION: '3.9.1' }).text, '3.9.1');
    assert.equal(kafkaVersionFromEnv({}).text, DEFAULT_KAFKA_VERSION);
  });
});
