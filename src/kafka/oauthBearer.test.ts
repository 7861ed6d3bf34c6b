import assert from 'node:assert/strict';
import type { SaslAuthenticateArgs } from 'kafkajs';
import { challengeStatus, oauthBearer } from './oauthBearer.ts';

/** A broker's side of SaslAuthenticate: answers each client message with the next challenge, or throws it. */
function broker(answers: Array<string | Error>): {
  sent: string[];
  saslAuthenticate: <T>(args: SaslAuthenticateArgs<T>) => Promise<T | void>;
} {
  const sent: string[] = [];
  return {
    sent,
    async saslAuthenticate({ request, response }) {
      const bytes = await request.encode();
      assert.equal(bytes.readInt32BE(0), bytes.length - 4, 'length-prefixed');
      sent.push(bytes.subarray(4).toString());
      const answer = answers.shift() ?? new Error('no more answers');
      if (answer instanceof Error) throw answer;
      const payload = Buffer.from(answer);
      const raw = Buffer.concat([Buffer.alloc(4), payload]);
      raw.writeInt32BE(payload.length);
      return response?.parse(await response.decode(raw));
    },
  };
}

function login(token: string, side: ReturnType<typeof broker>): Promise<void> {
  return oauthBearer(() => token)
    .authenticationProvider({
      host: 'k',
      port: 9093,
      logger: undefined as never,
      saslAuthenticate: side.saslAuthenticate,
    })
    .authenticate();
}

describe('SASL/OAUTHBEARER', () => {
  it('sends the token as RFC 7628 asks and takes an empty answer as success', async () => {
    const side = broker(['']);
    await login('tok', side);
    assert.deepEqual(side.sent, ['n,,\u0001auth=Bearer tok\u0001\u0001']);
  });

  it('a refused token ends the exchange with 0x01 and fails naming the status, never the token', async () => {
    const side = broker(['{"status":"invalid_token"}', new Error('SASL_AUTHENTICATION_FAILED')]);
    await assert.rejects(login('tok-secret', side), (err: Error) => {
      assert.equal(err.name, 'KafkaJSSASLAuthenticationError');
      assert.equal(
        err.message,
        'SASL OAUTHBEARER authentication failed: the broker rejected the token (invalid_token)',
      );
      return true;
    });
    assert.deepEqual(side.sent, ['n,,\u0001auth=Bearer tok-secret\u0001\u0001', '\u0001']);
  });

  const statuses: Array<{ name: string; challenge: string; status: string }> = [
    {
      name: 'the status of a JSON challenge',
      challenge: '{"status":"invalid_token","scope":"x"}',
      status: 'invalid_token',
    },
    { name: 'no status', challenge: '{"scope":"x"}', status: 'an error challenge without a status' },
    { name: 'not JSON, not echoed', challenge: 'eyJhbGciOiJub25lIn0', status: 'an error challenge without a status' },
    {
      name: 'a status that is not a word, not echoed',
      challenge: '{"status":"a b c"}',
      status: 'an error challenge without a status',
    },
  ];
  for (const c of statuses) {
    it(`challenge status: ${c.name}`, () => assert.equal(challengeStatus(c.challenge), c.status));
  }
});
