/**
 * Certificates made at run time: certificate authorities and the leaf
 * certificates they sign (ECDSA P-256, PEM, PKCS#8 keys). The TLS tests, the
 * local Kubernetes cluster (tools/k8s/localCluster.ts) and its mutual-TLS
 * scenario make their own on every run; nothing is checked in.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
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

export interface LeafRequest {
  /** The subject, e.g. `CN=admin, O=system:masters` (O is a group to Kubernetes). */
  readonly subject: string;
  /** serverAuth, clientAuth or both. */
  readonly usages: ReadonlyArray<'server' | 'client'>;
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

export interface Authority extends Pem {
  readonly name: string;
  /** Signs a leaf certificate. */
  sign(request: LeafRequest): Promise<Pem>;
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

/** A key pair alone, PEM (SPKI public key, PKCS#8 private key): e.g. Kubernetes' service-account signing key. */
export async function keyPair(): Promise<{ readonly publicKey: string; readonly privateKey: string }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    publicKey: `${x509.PemConverter.encode(spki, 'PUBLIC KEY')}\n`,
    privateKey: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`,
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
    async sign(request) {
      const leaf = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
      const names = [
        ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
        ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
      ];
      const issued = await x509.X509CertificateGenerator.create({
        subject: request.subject,
        issuer: cert.subject,
        publicKey: leaf.publicKey,
        signingKey: keys.privateKey,
        signingAlgorithm: ALGORITHM,
        ...validity(),
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension(
            request.usages.map((u) =>
              u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
            ),
          ),
          await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
          ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
        ],
      });
      return pem(issued, leaf);
    },
  };
}
