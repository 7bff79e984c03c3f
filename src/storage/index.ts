export type { ObjectInfo, ObjectStore, PutOptions } from './object-store.js';
export { validateKey, validatePrefix, validateBucket, parseStorageUrl } from './keys.js';
export {
  objectStoreFromEnv,
  s3OptionsFromEnv,
  locateObject,
  locatePrefix,
  DEFAULT_STORAGE_DIR,
} from './config.js';
export { FsObjectStore } from './fs-store.js';
export { S3ObjectStore, type S3StoreOptions, type S3Tuning } from './s3-store.js';
export { sweepAbandonedWrites, STALE_TEMP_MS } from './abandoned-writes.js';
