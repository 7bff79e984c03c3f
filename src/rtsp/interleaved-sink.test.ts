import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket, connect } from 'node:net';
import { test } from 'node:test';
import { InterleavedSink } from './rtsp-session.js';

/** Two RTP packets (12-byte header, payload), framed for channel 0 as a camera's shared packets are. */
function framed(firstSeq: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 2; i++) {
    const rtp = Buffer.alloc(12 + 3 + i);
    rtp[0] = 0x80;
    rtp[1] = 96;
    rtp.writeUInt16BE((firstSeq + i) & 0xffff, 2);
    rtp.fill(0xab + i, 12);
    const head = Buffer.from([0x24, 0, 0, 0]);
    head.writeUInt16BE(rtp.length, 2);
    parts.push(head, rtp);
  }
  return Buffer.concat(parts);
}

async function pair(): Promise<{ server: Socket; client: Socket; close(): void }> {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as { port: number }).port;
  const accepted = once(listener, 'connection');
  const client = connect(port, '127.0.0.1');
  const [server] = (await accepted) as [Socket];
  return {
    server,
    client,
    close() {
      server.destroy();
      client.destroy();
      listener.close();
    },
  };
}

const limits = { skipBacklogBytes: 1 << 20, maxBacklogBytes: 4 << 20, stallTimeoutMs: 5000 };
const events = { onSkip() {}, onOverflow() {} };

test("shared framed packets: the viewer's channel and sequence offset go into its copy, never into the shared bytes", async () => {
  const { server, client, close } = await pair();
  try {
    const got: Buffer[] = [];
    client.on('data', (d: Buffer) => got.push(d));
    const sink = new InterleavedSink(server, 2, 3, limits, events);
    const shared = framed(65535);
    const before = Buffer.from(shared);
    sink.sendFramedRtp(shared, 2, 5, true);
    sink.sendFramedRtp(shared, 2, 0, false);
    assert.deepEqual(shared, before, 'the shared buffer is untouched');
    while (Buffer.concat(got).length < 2 * shared.length) await once(client, 'data');
    const bytes = Buffer.concat(got);
    const seqs: number[] = [];
    for (let at = 0; at < bytes.length;) {
      assert.equal(bytes[at], 0x24);
      assert.equal(bytes[at + 1], 2, "the viewer's RTP channel");
      const length = bytes.readUInt16BE(at + 2);
      seqs.push(bytes.readUInt16BE(at + 4 + 2));
      at += 4 + length;
    }
    assert.deepEqual(seqs, [4, 5, 65535, 0], 'offset 5 added to 65535 and 0, wrapping; then none');
    assert.equal(sink.packetsSent, 4);
  } finally {
    close();
  }
});
