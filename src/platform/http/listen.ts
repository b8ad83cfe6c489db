/** Starting and stopping node:http / node:https servers the same way everywhere. */
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on `host:port` (0: any free port) and resolves to the bound port; a listen error rejects as `toError(err)`. */
export function listenOn(server: HttpServer, host: string, port: number, toError: (err: Error) => Error): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (err: Error): void => reject(toError(err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, drops the open connections, and resolves once `server` is closed. */
export function closeServer(server: HttpServer): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
