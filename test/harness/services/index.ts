/**
 * Services the test driver starts once for the whole run. Each is a real server nobody here wrote
 * (PostgreSQL, an S3 server, ...). `neededBy` lets a filtered run skip what it does not use.
 * Add a service by writing a module that exports a TestService and listing it here.
 */
import { postgresService } from './postgres.js';
import { s3Service } from './s3.js';

export interface StartedService {
  /** Variables passed to the test processes, e.g. DATABASE_URL or S3_ENDPOINT. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface TestService {
  name: string;
  neededBy(testFiles: string[]): boolean;
  start(): Promise<StartedService>;
}

export const services: TestService[] = [s3Service, postgresService];
