export * from './time.js';
export * from './frame-index.js';
export * from './index-cache.js';
export * from './frame-at.js';
export * from './probe.js';
export * from './compare.js';
export * from './same-moment.js';
export * from './video-ref.js';
