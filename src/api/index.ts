export { buildServer } from './server.js';
export { statusByCode } from './errors.js';
