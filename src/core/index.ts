export * from './errors.js';
export * from './rational.js';
export * from './logger.js';
