export { ProfilesService, MAX_PAGE as PROFILES_MAX_PAGE } from './profiles.service.js';
export type { ProfilePage, ProfileUpdate, VideoPeople } from './profiles.service.js';
export type { ProfileDto, ProfileVideoDto } from './profile.dto.js';
export { createPeopleStep, type PeopleStep } from './people-step.js';
export { GENDERS, NAME_MAX_LENGTH, MIN_BIRTH_DATE, PROFILE_FIELDS } from './profile-fields.js';
export { ProfilePhotosService, type PhotoProfileResult } from './profile-photos.service.js';
export { ProfileCorrectionsService, type CorrectionResult } from './profile-corrections.service.js';
export { PhotoFaceProcess, type PhotoFace, type PhotoFaceReading } from './photo-faces.runner.js';
