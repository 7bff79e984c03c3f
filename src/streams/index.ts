export * from './source.js';
export { FileSource, mountNameFor, FILE_TRACK } from './file-source.js';
export { StreamRegistry } from './stream-registry.js';
