/**
 * Certificates for TLS tests of the gRPC server and of Kafka: a CA, and the
 * server or client certificates it signs (tools/pki.ts). Nothing is checked
 * in; every run makes its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { certificateAuthority as newAuthority, type Pem } from '../../tools/pki.ts';

export type { Pem } from '../../tools/pki.ts';

export interface Authority extends Pem {
  readonly name: string;
  /** Signs a certificate for a server (SAN localhost and 127.0.0.1, serverAuth) or a client (clientAuth). */
  issue(commonName: string, kind: 'server' | 'client'): Promise<Pem>;
}

/** A new self-signed certificate authority (tools/pki.ts) with the tests' two kinds of leaf. */
export async function certificateAuthority(name: string): Promise<Authority> {
  const authority = await newAuthority(name);
  return {
    ...authority,
    issue: (commonName, kind) =>
      authority.sign({
        subject: `CN=${commonName}`,
        usages: [kind],
        ...(kind === 'server' ? { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] } : {}),
      }),
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
