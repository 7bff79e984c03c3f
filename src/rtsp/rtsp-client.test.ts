import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DigestAuth } from './digest-auth.js';
import { InterleavedReader, type RtspIncomingMessage } from './interleaved-reader.js';
import { answerChallenge } from './rtsp-client-auth.js';

test('interleaved reader: frames and responses mixed, split at any byte', () => {
  const response = Buffer.from('RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Length: 4\r\n\r\nabcd');
  const frame = (ch: number, n: number) =>
    Buffer.concat([Buffer.from([0x24, ch, 0, n]), Buffer.alloc(n, ch + 1)]);
  const stream = Buffer.concat([frame(0, 10), response, frame(1, 3), frame(0, 200), response]);
  for (const step of [1, 3, 7, 64, stream.length]) {
    const frames: [number, number][] = [];
    const messages: RtspIncomingMessage[] = [];
    const reader = new InterleavedReader(
      (ch, d) => frames.push([ch, d.length]),
      (m) => messages.push(m),
    );
    for (let at = 0; at < stream.length; at += step) reader.push(stream.subarray(at, at + step));
    assert.deepEqual(frames, [
      [0, 10],
      [1, 3],
      [0, 200],
    ]);
    assert.equal(messages.length, 2);
    assert.equal(messages[0]!.status, 200);
    assert.equal(messages[0]!.body.toString(), 'abcd');
  }
  const reader = new InterleavedReader(
    () => {},
    () => {},
  );
  assert.throws(() => reader.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')), /not an RTSP message/);
});

test("Digest answers pass kadr's server-side check; Basic when only Basic is offered", () => {
  const server = new DigestAuth({ user: 'cam', password: 'p@ss:w' });
  const authorize = answerChallenge(['Basic realm="x"', server.challenge()], {
    user: 'cam',
    password: 'p@ss:w',
  })!;
  const uri = 'rtsp://127.0.0.1:8554/cam';
  const header = authorize('DESCRIBE', uri);
  assert.match(header, /^Digest /);
  assert.deepEqual(server.verify(header, 'DESCRIBE'), { ok: true, user: 'cam', nonceExpired: false });
  const wrong = answerChallenge([server.challenge()], { user: 'cam', password: 'nope' })!;
  assert.equal(server.verify(wrong('DESCRIBE', uri), 'DESCRIBE').ok, false);
  // qop=auth (RFC 2617 §3.2.2): nc counts up, the server accepts it too.
  const withQop = answerChallenge([`${server.challenge()}, qop="auth"`], {
    user: 'cam',
    password: 'p@ss:w',
  })!;
  const h1 = withQop('SETUP', uri);
  assert.match(h1, /nc=00000001/);
  assert.match(withQop('PLAY', uri), /nc=00000002/);
  assert.equal(server.verify(h1, 'SETUP').ok, true);
  const basic = answerChallenge(['Basic realm="cam"'], { user: 'a', password: 'b:c' })!;
  assert.equal(basic('DESCRIBE', uri), `Basic ${Buffer.from('a:b:c').toString('base64')}`);
  assert.equal(answerChallenge(['Bearer x'], { user: 'a', password: 'b' }), undefined);
});
