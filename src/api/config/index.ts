export * from './cloudcore.js';
export * from './edgecore.js';
