export { startMetaServer, parseServerAddress, MetaServerErrorCode, READ_ONLY_MESSAGE, type MetaServerOptions, type RunningMetaServer } from './metaserver.js';
