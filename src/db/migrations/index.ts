/** Every migration, in the order it is applied. Append; never edit one that has shipped. */
import { sql as m001 } from './001-videos.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: Migration[] = [{ version: 1, name: '001-videos', sql: m001 }];
