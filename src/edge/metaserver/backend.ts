/**
 * What the metaserver answers with, built on its first request: the in-memory mirror of the edge
 * database and the embedded API server's code over it (read-only). Loaded lazily (`import()`), so an
 * edgecore whose local API nobody asks carries none of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../../base/index.js';
import { ApiServer } from '../../kube/apiserver/index.js';
import type { Logger } from '../../platform/log/index.js';
import { openSqliteStore, type EdgeDb } from '../../platform/store/index.js';
import { MetaMirror } from './mirror.js';

export interface MetaBackend {
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  skippedRows(): number;
  rejected(): ReadonlyMap<string, number>;
  objects(): number;
  close(): Promise<void>;
}

export function createMetaBackend(db: EdgeDb, log: Logger, readOnlyMessage: string): MetaBackend {
  const store = openSqliteStore({
    path: ':memory:',
    checkpoints: 'inline',
    onWatchError: (err) => log.warn({ err: errorMessage(err) }, 'metaserver watch callback failed'),
    onFatal: (err) => log.error({ err: errorMessage(err) }, 'metaserver mirror failed'),
  });
  const mirror = new MetaMirror(db, store, log);
  // Hook first, then load: both run synchronously, so no change falls between them.
  const unsubscribe = db.meta.onChange((key) => mirror.changed(key));
  const api = new ApiServer({ store, log, anonymousAllowed: true, readOnly: true, readOnlyMessage });
  try {
    mirror.load();
  } catch (err) {
    unsubscribe();
    store.close();
    throw err;
  }
  const handle = api.attach();
  return {
    handle,
    skippedRows: () => mirror.skippedRows(),
    rejected: () => api.rejected(),
    objects: () => store.count('/'),
    async close() {
      unsubscribe();
      try {
        await api.stop();
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'metaserver stop failed');
      }
      store.close();
    },
  };
}
