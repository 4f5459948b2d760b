import { loadConfig, type OriginConfig } from '../../src/config.ts';

/**
 * Configuration for an in-process origin: the given variables plus only those that choose the media
 * tools (PATH, FFMPEG_PATH, FFPROBE_PATH), so tests run the same ffmpeg the service would here. The
 * sample live channel stays off (ORIGIN_LIVE_DEMO) unless a test asks for it: a real-time encode
 * must not share the cores with tests that do not need it.
 */
export function testConfig(env: Record<string, string>): OriginConfig {
  const tools: Record<string, string> = {};
  for (const name of ['PATH', 'FFMPEG_PATH', 'FFPROBE_PATH']) {
    const value = process.env[name];
    if (value !== undefined) tools[name] = value;
  }
  return loadConfig({ ...tools, ORIGIN_LIVE_DEMO: 'off', ...env });
}
