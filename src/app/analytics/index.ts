export {
  LiveAnalyticsService,
  ANALYTICS_MAX_FPS,
  EVENTS_MAX_PAGE,
  EVENT_TYPES,
  type AnalyticsEventDto,
  type AnalyticsInput,
  type EventQuery,
  type LiveAnalyticsEvent,
  type LiveAnalyticsListener,
  type LiveAnalyticsOptions,
} from './live-analytics.service.js';
export type { AnalyticsFeeds } from './camera-analysis.js';
export {
  EventCorrectionsService,
  MAX_NEGATIVES_PER_PROFILE,
  type EventCorrectionResult,
} from './event-corrections.service.js';
