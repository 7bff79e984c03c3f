/**
 * Is the RTSP server still there? One TCP connect to its port, closed at once. Used to tell a file
 * source that ended (the server is up and said BYE) from a server that died: libavformat reports both
 * as AVERROR_EOF over TCP ("Failed reading RTSP data: End of file" when the socket closes).
 */
import net from 'node:net';

export function rtspServerReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  let host: string;
  let port: number;
  try {
    const u = new URL(url);
    host = u.hostname.replace(/^\[|\]$/g, '');
    port = Number(u.port) || (u.protocol === 'rtsps:' ? 322 : 554);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
