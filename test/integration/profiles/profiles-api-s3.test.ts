/** The profiles API suite with crops in the test S3 server (Ceph RGW): put, get, delete over S3. */
import { profilesApiSuite } from './profiles-api.suite.js';

profilesApiSuite('s3');
