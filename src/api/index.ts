export { buildServer } from './server.js';
export { httpStatusOf, statusByCode } from './errors.js';
