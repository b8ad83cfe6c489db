export { closeServer, listenOn } from './listen.js';
