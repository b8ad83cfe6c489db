export * from './message.js';
export * from './resource.js';
