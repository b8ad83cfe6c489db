export { PROTOBUF_MEDIA_TYPE, decodeKubeProtobuf } from './decode.js';
export { PROTOBUF_KINDS } from './schema.js';
