/**
 * Certificates made at test time: a CA, and server or client certificates it
 * signs (ECDSA P-256, PEM, PKCS#8 keys), for TLS tests of the gRPC server and
 * of Kafka. Nothing is checked in; every run makes its own.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

export interface Pem {
  /** The certificate, PEM, ending with a newline (so bundles can be concatenated). */
  readonly cert: string;
  /** Its PKCS#8 private key, PEM. */
  readonly key: string;
  readonly serial: string;
}

export interface Authority extends Pem {
  readonly name: string;
  /** Signs a certificate for a server (SAN localhost and 127.0.0.1, serverAuth) or a client (clientAuth). */
  issue(commonName: string, kind: 'server' | 'client'): Promise<Pem>;
}

function validity(): { notBefore: Date; notAfter: Date } {
  return { notBefore: new Date(Date.now() - DAY_MS), notAfter: new Date(Date.now() + 30 * DAY_MS) };
}

async function pem(cert: x509.X509Certificate, keys: webcrypto.CryptoKeyPair): Promise<Pem> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    cert: `${cert.toString('pem')}\n`,
    key: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`,
    serial: cert.serialNumber.toUpperCase(),
  };
}

/** A new self-signed certificate authority. */
export async function certificateAuthority(name: string): Promise<Authority> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: ALGORITHM,
    ...validity(),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const own = await pem(cert, keys);
  return {
    ...own,
    name,
    async issue(commonName, kind) {
      const leaf = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
      const issued = await x509.X509CertificateGenerator.create({
        subject: `CN=${commonName}`,
        issuer: cert.subject,
        publicKey: leaf.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: ALGORITHM,
        ...validity(),
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([
            kind === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
          ]),
          await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
          ...(kind === 'server'
            ? [
                new x509.SubjectAlternativeNameExtension([
                  { type: 'dns', value: 'localhost' },
                  { type: 'ip', value: '127.0.0.1' },
                ]),
              ]
            : []),
        ],
      });
      return pem(issued, leaf);
    },
  };
}

/** A temporary folder for PEM files, deleted by `remove()`. */
export function certDir(prefix = 'kstreams-certs-'): {
  dir: string;
  write(name: string, text: string): string;
  remove(): void;
} {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      writeFileSync(file, text, { mode: 0o600 });
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
