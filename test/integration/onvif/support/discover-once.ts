/**
 * Runs kadr's WS-Discovery once and prints the result as JSON: the discovery tests start it inside a
 * network namespace (`ip netns exec`), which a Node process cannot enter by itself.
 * Arguments: --bind <address|interface> --timeout <ms> [--onvif-only]. Prints {elapsedMs, devices} or {error}.
 */
import { parseArgs } from 'node:util';
import { discover } from '../../../../src/onvif/index.js';

const { values } = parseArgs({
  options: { bind: { type: 'string' }, timeout: { type: 'string' }, 'onvif-only': { type: 'boolean' } },
});
const started = performance.now();
try {
  const devices = await discover({
    bind: values.bind,
    timeoutMs: Number(values.timeout ?? 1000),
    onvifOnly: values['onvif-only'] ?? false,
  });
  process.stdout.write(`${JSON.stringify({ elapsedMs: performance.now() - started, devices })}\n`);
} catch (error) {
  const e = error as { code?: string; message?: string };
  process.stdout.write(`${JSON.stringify({ error: { code: e.code, message: e.message } })}\n`);
  process.exitCode = 1;
}
