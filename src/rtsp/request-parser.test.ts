import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serializeRequest } from './message.js';
import { type ParserEvent, RtspRequestParser } from './request-parser.js';

// A DESCRIBE as ffprobe 5.1 sends it (captured).
const ffprobeDescribe =
  'DESCRIBE rtsp://127.0.0.1:8554/cam RTSP/1.0\r\nAccept: application/sdp\r\nCSeq: 2\r\nUser-Agent: Lavf59.27.100\r\n\r\n';

function feed(parser: RtspRequestParser, bytes: Buffer, chunk = bytes.length): ParserEvent[] {
  const out: ParserEvent[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(...parser.push(bytes.subarray(i, i + chunk)));
  return out;
}

test('parses a captured ffprobe request and serializes it back byte for byte', () => {
  const events = feed(new RtspRequestParser(), Buffer.from(ffprobeDescribe));
  assert.equal(events.length, 1);
  const e = events[0]!;
  assert.equal(e.type, 'request');
  if (e.type !== 'request') return;
  assert.equal(e.request.method, 'DESCRIBE');
  assert.equal(e.request.uri, 'rtsp://127.0.0.1:8554/cam');
  assert.deepEqual(e.request.headers[1], ['CSeq', '2']);
  assert.equal(serializeRequest(e.request).toString(), ffprobeDescribe);
});

test('any chunking gives the same requests, with bodies and interleaved frames between them', () => {
  const body = 'position\r\n';
  const bytes = Buffer.concat([
    Buffer.from(
      `GET_PARAMETER rtsp://h/x RTSP/1.0\r\nCSeq: 7\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    ),
    Buffer.from([0x24, 1, 0, 3, 0xaa, 0xbb, 0xcc]),
    Buffer.from(ffprobeDescribe),
  ]);
  for (const chunk of [1, 2, 3, 7, 64, bytes.length]) {
    const events = feed(new RtspRequestParser(), bytes, chunk);
    assert.deepEqual(
      events.map((e) => e.type),
      ['request', 'interleaved', 'request'],
      `chunk ${chunk}`,
    );
    const [first, frame] = events;
    assert.ok(first?.type === 'request' && first.request.body.toString() === body);
    assert.ok(
      frame?.type === 'interleaved' &&
        frame.channel === 1 &&
        frame.payload.equals(Buffer.from([0xaa, 0xbb, 0xcc])),
    );
  }
});

test('limits: head size, header count, body size; the parser stops after an error', () => {
  const small = { maxHeaderBytes: 256, maxHeaders: 4, maxBodyBytes: 16 };
  const huge = Buffer.from(`OPTIONS rtsp://h/ RTSP/1.0\r\nX-Pad: ${'a'.repeat(300)}`);
  const p1 = new RtspRequestParser(small);
  assert.deepEqual(
    feed(p1, huge, 50).map((e) => e.type === 'error' && e.status),
    [431],
  );
  assert.equal(p1.bufferedBytes, 0);
  assert.deepEqual(p1.push(Buffer.from(ffprobeDescribe)), []);

  const many = `OPTIONS rtsp://h/ RTSP/1.0\r\n${'A: b\r\n'.repeat(5)}\r\n`;
  assert.deepEqual(
    feed(new RtspRequestParser(small), Buffer.from(many)).map((e) => e.type === 'error' && e.status),
    [431],
  );

  const big = 'SET_PARAMETER rtsp://h/ RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 17\r\n\r\n';
  assert.deepEqual(
    feed(new RtspRequestParser(small), Buffer.from(big)).map((e) => e.type === 'error' && e.status),
    [413],
  );
});

test('garbage, HTTP and other versions are refused without waiting for more bytes', () => {
  const status = (s: string | Buffer) =>
    new RtspRequestParser()
      .push(Buffer.isBuffer(s) ? s : Buffer.from(s))
      .map((e) => (e.type === 'error' ? e.status : e.type));
  assert.deepEqual(status('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 binary'), [400]);
  assert.deepEqual(status('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), [400]);
  assert.deepEqual(status('OPTIONS * RTSP/2.0\r\nCSeq: 1\r\n\r\n'), [505]);
  assert.deepEqual(status('OPTIONS * RTSP/1.0\r\nno colon here\r\n\r\n'), [400]);
  assert.deepEqual(status('OPTIONS * RTSP/1.0\r\nContent-Length: -1\r\n\r\n'), [400]);
  // an incomplete but plausible request waits
  assert.deepEqual(status('OPTIONS rtsp://h/ RTSP/1.0\r\nCSeq: 1\r\n'), []);
});

test('tolerates bare LF line ends, folded headers and CRLF keep-alives', () => {
  const events = new RtspRequestParser().push(
    Buffer.from('\r\n\r\nOPTIONS * RTSP/1.0\nCSeq: 3\nX-Long: one\n two\n\n'),
  );
  assert.equal(events.length, 1);
  const e = events[0]!;
  assert.ok(e.type === 'request');
  assert.deepEqual(e.request.headers, [
    ['CSeq', '3'],
    ['X-Long', 'one two'],
  ]);
});
