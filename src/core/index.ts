export * from './errors.js';
export * from './rational.js';
export * from './logger.js';
export * from './media-unit.js';
export * from './redact-url.js';
export * from './byte-slabs.js';
