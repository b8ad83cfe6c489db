/** The lock an edgecore process takes in its data directory (the database's folder), for keadm reset. */
import path from 'node:path';
import type { EdgeCoreConfig } from '../../api/config/index.js';
import { lockDataDir, type DirLock } from '../../platform/store/index.js';

export function lockEdgeDir(config: EdgeCoreConfig): DirLock {
  return lockDataDir(path.join(path.dirname(path.resolve(config.database.dataSource)), 'edgecore.lock'));
}
