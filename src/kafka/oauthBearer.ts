/**
 * SASL/OAUTHBEARER (RFC 7628) for kafkajs, through its public custom
 * mechanism hook, because kafkajs 2.2.4's own authenticator takes a refused
 * token for a success: the broker answers a bad token with an error
 * challenge (`{"status":"invalid_token"}`) rather than an error code, kafkajs
 * ignores it, its next request arrives mid-authentication, and the broker
 * drops the connection with ILLEGAL_SASL_STATE. Here the challenge is read:
 * the client ends the exchange as RFC 7628 §3.2.3 asks (a lone 0x01) and
 * fails with a KafkaJSSASLAuthenticationError saying the token was refused.
 */
import kafkajs, { type Mechanism, type SaslAuthenticateArgs } from 'kafkajs';

const { KafkaJSSASLAuthenticationError } = kafkajs;
// Its declared constructor takes no arguments; the real one takes a message.
const AuthenticationError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;

const SOH = '\u0001';

/** The SASL/OAUTHBEARER mechanism; `token` is called for every authentication (a mounted token may rotate). */
export function oauthBearer(token: () => string | Promise<string>): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ saslAuthenticate }) => ({
      async authenticate() {
        const value = await token();
        const challenge = await saslAuthenticate(message(`n,,${SOH}auth=Bearer ${value}${SOH}${SOH}`));
        if (!challenge) return;
        try {
          await saslAuthenticate(message(SOH));
        } catch {
          // Expected: the broker ends a refused exchange with SASL_AUTHENTICATION_FAILED.
        }
        throw new AuthenticationError(
          `SASL OAUTHBEARER authentication failed: the broker rejected the token (${challengeStatus(challenge)})`,
        );
      },
    }),
  };
}

/**
 * A SaslAuthenticate exchange whose answer is the server's challenge as
 * text: empty when the token was accepted. kafkajs hands over the auth bytes
 * with their 4-byte length prefix.
 */
function message(text: string): SaslAuthenticateArgs<string> {
  const payload = Buffer.from(text, 'utf8');
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return {
    request: { encode: () => Buffer.concat([size, payload]) },
    response: {
      decode: (raw) => raw,
      parse: (data) => (data.length > 4 ? data.subarray(4).toString('utf8') : ''),
    },
  };
}

/** The `status` of an RFC 7628 error challenge, e.g. "invalid_token"; nothing else of it is repeated. */
export function challengeStatus(challenge: string): string {
  try {
    const status = (JSON.parse(challenge) as { status?: unknown }).status;
    if (typeof status === 'string' && /^[\w.-]{1,64}$/.test(status)) return status;
  } catch {
    // Not JSON: say so without echoing it.
  }
  return 'an error challenge without a status';
}
