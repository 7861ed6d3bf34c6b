/** Loopback port helpers for the harness. */
import net from 'node:net';
import { HarnessError } from './harnessError.ts';

export const LOOPBACK = '127.0.0.1';

/**
 * Reserves `count` distinct free ports on the loopback address. The listeners
 * are closed before returning, so another process could still take a port
 * before Kafka binds it; the broker then fails with a clear bind error.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(await listen(server, 0));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Fails with one clear line if `port` cannot be bound on the loopback address. */
export async function assertPortFree(port: number): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new HarnessError(`port ${port} is not a TCP port number (1-65535)`);
  }
  const server = net.createServer();
  try {
    await listen(server, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new HarnessError(`port ${LOOPBACK}:${port} is already in use; choose another port or stop what holds it`);
    if (code === 'EACCES')
      throw new HarnessError(`port ${LOOPBACK}:${port} needs privileges; choose a port above 1023`);
    throw new HarnessError(`cannot bind ${LOOPBACK}:${port}: ${(err as Error).message}`, { cause: err });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
