export { LiveViewsPort } from './live-views-port.js';
