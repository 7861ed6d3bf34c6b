/**
 * TLS for the gRPC server: certificate and key from files, and with a client
 * CA, mutual TLS (clients must present a certificate that CA signed).
 *
 * The files are re-read every `refreshMs` (grpc-js's file-watcher provider),
 * so a certificate that cert-manager rotates in a mounted Secret is served to
 * new connections without a restart; open connections keep theirs. A bad
 * set of files at start is an error naming the files; a bad set later (a
 * half-written rotation) keeps the server up, refusing new connections until
 * the files are good again.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { experimental, type ServerCredentials } from '@grpc/grpc-js';
import type { IdentityCertificateUpdate } from '@grpc/grpc-js/build/src/certificate-provider.js';
import type { GrpcTlsFiles } from '../config.ts';
import type { Logger } from '../logger.ts';

export const TLS_REFRESH_MS = 10_000;

/** What is logged about a certificate: never the key, never the PEM. */
function describe(pem: Buffer | string): { subject: string; serial: string; validTo: string; fingerprint256: string } {
  const cert = new X509Certificate(pem);
  return {
    subject: cert.subject,
    serial: cert.serialNumber,
    validTo: cert.validTo,
    fingerprint256: cert.fingerprint256,
  };
}

/** Checks that the files make a usable TLS context; throws an error that names the files. */
function check(files: GrpcTlsFiles): Buffer {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`gRPC TLS: cannot read the ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
        cause: err,
      });
    }
  };
  const cert = read(files.certFile, 'certificate');
  const options: SecureContextOptions = {
    cert,
    key: read(files.keyFile, 'key'),
    ...(files.clientCaFile === undefined ? {} : { ca: read(files.clientCaFile, 'client CA') }),
  };
  try {
    createSecureContext(options);
    describe(cert);
  } catch (err) {
    const what = files.clientCaFile === undefined ? '' : ` and client CA ${files.clientCaFile}`;
    throw new Error(
      `gRPC TLS: certificate ${files.certFile}, key ${files.keyFile}${what} do not make a TLS context: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return cert;
}

export interface ServerTls {
  readonly credentials: ServerCredentials;
  /** Stops following the files (the server's own listeners stop when it shuts down). */
  stop(): void;
}

/** Server credentials that follow the files. */
export async function serverTls(
  files: GrpcTlsFiles,
  logger: Logger,
  refreshMs: number = TLS_REFRESH_MS,
): Promise<ServerTls> {
  const log = logger.child({ component: 'grpc-tls' });
  let served = check(files);
  const provider = new experimental.FileWatcherCertificateProvider({
    certificateFile: files.certFile,
    privateKeyFile: files.keyFile,
    ...(files.clientCaFile === undefined ? {} : { caCertificateFile: files.clientCaFile }),
    refreshIntervalMs: refreshMs,
  });
  // The first read is asynchronous: wait for it, so the server never listens without a certificate.
  await new Promise<void>((resolve) => {
    const first = (): void => {
      provider.removeIdentityCertificateListener(first);
      resolve();
    };
    provider.addIdentityCertificateListener(first);
  });
  const onUpdate = (update: IdentityCertificateUpdate | null): void => {
    if (!update) {
      log.error(
        { certFile: files.certFile, keyFile: files.keyFile },
        'gRPC TLS files unreadable; refusing new connections until they are back',
      );
      return;
    }
    if (update.certificate.equals(served)) return;
    served = update.certificate;
    try {
      log.info({ certFile: files.certFile, ...describe(update.certificate) }, 'gRPC TLS certificate reloaded');
    } catch {
      log.warn({ certFile: files.certFile }, 'gRPC TLS certificate changed to something that is not a certificate');
    }
  };
  provider.addIdentityCertificateListener(onUpdate);
  log.info(
    { certFile: files.certFile, mutualTls: files.clientCaFile !== undefined, ...describe(served) },
    files.clientCaFile === undefined ? 'gRPC TLS enabled' : 'gRPC mutual TLS enabled: client certificates required',
  );
  return {
    // grpc-js's parameter names are swapped: the identity provider comes first, the CA provider second.
    credentials: experimental.createCertificateProviderServerCredentials(
      provider,
      files.clientCaFile === undefined ? null : provider,
      files.clientCaFile !== undefined,
    ),
    stop: () => provider.removeIdentityCertificateListener(onUpdate),
  };
}
