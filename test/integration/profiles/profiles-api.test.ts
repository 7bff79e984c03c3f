/** The profiles API suite with crops in a folder on disk (kadr's default store). */
import { profilesApiSuite } from './profiles-api.suite.js';

profilesApiSuite('fs');
