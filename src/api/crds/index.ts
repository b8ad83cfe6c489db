export * from './reliablesyncs.js';
