/** Every migration, in the order it is applied. Append; never edit one that has shipped. */
import { sql as m001 } from './001-videos.js';
import { sql as m002 } from './002-profiles.js';
import { sql as m003 } from './003-video-stage.js';
import { sql as m004 } from './004-cameras.js';
import { sql as m005 } from './005-camera-recordings.js';
import { sql as m006 } from './006-camera-leases.js';
import { sql as m007 } from './007-video-analytics.js';
import { sql as m008 } from './008-camera-groups.js';
import { sql as m009 } from './009-live-analytics.js';
import { sql as m010 } from './010-profile-photos.js';
import { sql as m011 } from './011-push-cameras.js';
import { sql as m012 } from './012-profile-corrections.js';
import { sql as m013 } from './013-event-faces.js';

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
  { version: 6, name: '006-camera-leases', sql: m006 },
  { version: 7, name: '007-video-analytics', sql: m007 },
  { version: 8, name: '008-camera-groups', sql: m008 },
  { version: 9, name: '009-live-analytics', sql: m009 },
  { version: 10, name: '010-profile-photos', sql: m010 },
  { version: 11, name: '011-push-cameras', sql: m011 },
  { version: 12, name: '012-profile-corrections', sql: m012 },
  { version: 13, name: '013-event-faces', sql: m013 },
];
