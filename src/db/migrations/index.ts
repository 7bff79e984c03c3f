/** Every migration, in the order it is applied. Append; never edit one that has shipped. */
import { sql as m001 } from './001-videos.js';
import { sql as m002 } from './002-profiles.js';
import { sql as m003 } from './003-video-stage.js';
import { sql as m004 } from './004-cameras.js';
import { sql as m005 } from './005-camera-recordings.js';
import { sql as m006 } from './006-live-analytics.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [
  { version: 1, name: '001-videos', sql: m001 },
  { version: 2, name: '002-profiles', sql: m002 },
  { version: 3, name: '003-video-stage', sql: m003 },
  { version: 4, name: '004-cameras', sql: m004 },
  { version: 5, name: '005-camera-recordings', sql: m005 },
  { version: 6, name: '006-live-analytics', sql: m006 },
];
