export { loadConfig, isLoopback } from './config.js';
export type { KadrConfig, ConfigFlags } from './config.js';
