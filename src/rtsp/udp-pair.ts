/**
 * The server's RTP/RTCP UDP sockets: an even port for RTP and the next odd one for RTCP (RFC 3550
 * §11). RTCP must leave from server_port+1 because FFmpeg connects its RTCP socket to that port and
 * drops anything else, including the BYE that ends its session (docs/media-pitfalls.md, "FFmpeg over UDP
 * needs a real BYE, from server_port+1").
 */
import dgram from 'node:dgram';

export interface UdpPair {
  rtp: dgram.Socket;
  rtcp: dgram.Socket;
  rtpPort: number;
  close(): void;
}

function bind(socket: dgram.Socket, port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const onError = () => resolve(false);
    socket.once('error', onError);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(true);
    });
  });
}

/** Binds a pair; with `preferredRtpPort` 0 an even ephemeral port is searched for. */
export async function openUdpPair(host: string, preferredRtpPort = 0): Promise<UdpPair> {
  const type = host.includes(':') ? 'udp6' : 'udp4';
  for (let attempt = 0; attempt < 50; attempt++) {
    const rtp = dgram.createSocket(type);
    const rtpOk = await bind(rtp, preferredRtpPort, host);
    if (!rtpOk) {
      rtp.close();
      if (preferredRtpPort !== 0) throw new Error(`cannot bind UDP port ${preferredRtpPort} on ${host}`);
      continue;
    }
    const rtpPort = rtp.address().port;
    if (rtpPort % 2 !== 0) {
      rtp.close();
      continue;
    }
    const rtcp = dgram.createSocket(type);
    if (await bind(rtcp, rtpPort + 1, host)) {
      for (const s of [rtp, rtcp]) {
        s.on('error', () => {}); // ICMP port unreachable from a gone client must not crash the server
        try {
          s.setSendBufferSize(4 * 1024 * 1024);
        } catch {
          // the kernel cap (net.core.wmem_max) applies; the default buffer works, only with less slack
        }
      }
      return {
        rtp,
        rtcp,
        rtpPort,
        close() {
          rtp.close();
          rtcp.close();
        },
      };
    }
    rtcp.close();
    rtp.close();
    if (preferredRtpPort !== 0) throw new Error(`cannot bind UDP port ${preferredRtpPort + 1} on ${host}`);
  }
  throw new Error(`no free even/odd UDP port pair on ${host}`);
}
