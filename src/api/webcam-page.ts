/**
 * The webcam page (`/webcam`): plain HTML and a small script module that sends the browser's camera
 * to kadr over WebRTC (WHIP, RFC 9725): getUserMedia, an RTCPeerConnection with one sendonly video
 * transceiver that prefers H.264 (the codec kadr records without decoding), the offer POSTed to
 * /api/whip/<name>, the answer applied; Stop DELETEs the session and shows the recording. Like the
 * player page it needs no token itself; the API calls carry the one the person types when kadr asks
 * (docs/ingest.md).
 */

export const webcamPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Webcam – kadr</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 1rem; background: #111; color: #eee; }
  video { width: 100%; max-width: 960px; background: #000; display: block; }
  #bar { margin: .5rem 0; display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
  #status.error { color: #f88; }
  #auth[hidden] { display: none; }
  pre { white-space: pre-wrap; }
</style>
</head>
<body>
<h1>Send this webcam to kadr</h1>
<form id="auth" hidden>
  <label>API token <input id="token" type="password" autocomplete="current-password"></label>
  <button>Sign in</button>
</form>
<div id="bar">
  <label>Name <input id="name" value="webcam" pattern="[A-Za-z0-9][A-Za-z0-9._-]{0,63}"></label>
  <button id="start">Start</button>
  <button id="stop" disabled>Stop</button>
  <span id="status">ready</span>
</div>
<video id="preview" muted autoplay playsinline></video>
<pre id="result"></pre>
<script type="module" src="/webcam/assets/webcam.js"></script>
</body>
</html>
`;

/** The page's script (a module). window.kadrWebcam holds its state, for a person's console and tests. */
export const webcamScript = `// kadr webcam: WHIP (RFC 9725) from getUserMedia.
const $ = (id) => document.getElementById(id);
const state = { pc: null, stream: null, location: null, recording: null, error: null, sending: false };
window.kadrWebcam = state;
let token = sessionStorage.getItem('kadr-token') || '';
const params = new URLSearchParams(location.search);
if (params.get('name')) $('name').value = params.get('name');

function status(text, isError = false) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
  if (isError) state.error = text;
}

async function api(url, init = {}) {
  const headers = { ...(init.headers || {}), ...(token ? { Authorization: 'Bearer ' + token } : {}) };
  const res = await fetch(url, { ...init, headers });
  if (res.status === 401) {
    $('auth').hidden = false;
    throw new Error('this kadr needs its API token: sign in above');
  }
  return res;
}

/** Offers H.264 first where the browser can send it: kadr records the sender's own H.264. */
function preferH264(transceiver) {
  const caps = RTCRtpSender.getCapabilities && RTCRtpSender.getCapabilities('video');
  if (!caps || !transceiver.setCodecPreferences) return;
  const h264 = caps.codecs.filter((c) => c.mimeType.toLowerCase() === 'video/h264');
  if (h264.length === 0) throw new Error('this browser cannot send H.264 over WebRTC');
  transceiver.setCodecPreferences(h264);
}

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 2000);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
    });
  });
}

async function start() {
  const name = $('name').value.trim();
  $('start').disabled = true;
  state.error = null;
  $('result').textContent = '';
  try {
    status('asking for the camera…');
    state.stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    $('preview').srcObject = state.stream;
    const pc = new RTCPeerConnection();
    state.pc = pc;
    const transceiver = pc.addTransceiver(state.stream.getVideoTracks()[0], { direction: 'sendonly' });
    preferH264(transceiver);
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    status('connecting…');
    const res = await api('/api/whip/' + encodeURIComponent(name), {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: pc.localDescription.sdp,
    });
    if (res.status !== 201) {
      const body = await res.json().catch(() => ({}));
      throw new Error((body.error && body.error.message) || 'kadr answered ' + res.status);
    }
    state.location = res.headers.get('Location');
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected') { state.sending = true; status('sending as ' + name); }
      if (pc.connectionState === 'failed') status('the connection failed', true);
    });
    $('stop').disabled = false;
  } catch (error) {
    status(error.message, true);
    await cleanup();
    $('start').disabled = false;
  }
}

async function cleanup() {
  if (state.pc) state.pc.close();
  state.pc = null;
  state.sending = false;
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  state.stream = null;
}

async function stop() {
  $('stop').disabled = true;
  try {
    if (state.location) {
      status('storing the recording…');
      const res = await api(state.location, { method: 'DELETE' });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error((body.error && body.error.message) || 'kadr answered ' + res.status);
      state.recording = body;
      $('result').textContent = JSON.stringify(body, null, 2);
      status(body.key ? 'recorded ' + body.frames + ' frames' : 'nothing was recorded');
    }
  } catch (error) {
    status(error.message, true);
  } finally {
    state.location = null;
    await cleanup();
    $('start').disabled = false;
  }
}

$('auth').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value;
  sessionStorage.setItem('kadr-token', token);
  $('auth').hidden = true;
  status('signed in: press Start');
});
$('start').addEventListener('click', start);
$('stop').addEventListener('click', stop);
`;
