/**
 * FFmpeg's own log (libx264 statistics, decoder warnings) is off unless KADR_FFMPEG_LOG asks for it
 * (quiet, fatal, error, warning, info, debug): kadr reports problems itself, as one line a person can act on.
 */
import {
  AV_LOG_DEBUG,
  AV_LOG_ERROR,
  AV_LOG_FATAL,
  AV_LOG_INFO,
  AV_LOG_QUIET,
  AV_LOG_WARNING,
} from 'node-av/constants';
import { Log } from 'node-av/lib';
import { loadConfig, type FfmpegLogLevel } from '../config/index.js';

const levels = {
  quiet: AV_LOG_QUIET,
  fatal: AV_LOG_FATAL,
  error: AV_LOG_ERROR,
  warning: AV_LOG_WARNING,
  info: AV_LOG_INFO,
  debug: AV_LOG_DEBUG,
};

export function configureFfmpegLog(setting: FfmpegLogLevel = loadConfig().ffmpegLog): void {
  Log.setLevel(levels[setting] ?? AV_LOG_QUIET);
}
