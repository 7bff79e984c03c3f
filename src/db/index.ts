export { openDatabase } from './database.js';
export type { Database, DatabaseOptions } from './database.js';
export { migrate } from './migrate.js';
export { migrations } from './migrations/index.js';
export type { Migration } from './migrations/index.js';
export { freePort, startEmbeddedPostgres } from './embedded-postgres.js';
export { VideosRepository } from './videos.repository.js';
export type { VideoRow, VideoStatus, VideoProgress, NewVideo } from './videos.repository.js';
