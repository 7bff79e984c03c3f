/**
 * The player page of one stream (`/live/<name>`): plain HTML and a small script module, served by
 * kadr with hls.js from its own node_modules (no CDN). WebRTC first (the browser's
 * RTCPeerConnection and a WHEP POST, RFC 9725), LL-HLS through hls.js when WebRTC fails or when
 * `?mode=hls` asks for it. The page and its assets need no token; the API calls it makes do, when
 * kadr has one: the page asks for it and sends it as `Authorization: Bearer` (docs/live-view.md).
 */

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function playerPage(name: string): string {
  const title = escapeHtml(name);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – kadr live</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 1rem; background: #111; color: #eee; }
  video { width: 100%; max-width: 1280px; background: #000; display: block; }
  #bar { margin: .5rem 0; display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
  #status.error { color: #f88; }
  #auth[hidden] { display: none; }
</style>
</head>
<body>
<h1>${title}</h1>
<form id="auth" hidden>
  <label>API token <input id="token" type="password" autocomplete="current-password"></label>
  <button>Watch</button>
</form>
<div id="bar">
  <label>Quality <select id="quality"></select></label>
  <label>Mode <select id="mode"><option value="auto">auto</option><option value="webrtc">WebRTC</option><option value="hls">LL-HLS</option></select></label>
  <span id="status">loading…</span>
</div>
<video id="video" muted autoplay playsinline controls></video>
<script src="/live/assets/hls.min.js"></script>
<script type="module" src="/live/assets/player.js"></script>
</body>
</html>
`;
}

/** The page's script (a module; it reads the stream's name from the URL). */
export const playerScript = `// kadr live player: WHEP (RFC 9725) first, LL-HLS (hls.js) as fallback or by choice.
const $ = (id) => document.getElementById(id);
const video = $('video');
const params = new URLSearchParams(location.search);
const name = decodeURIComponent(location.pathname.replace(/\\/+$/, '').split('/').pop());
const state = { mode: null, hls: null, pc: null, whepResource: null, error: null };
window.kadrPlayer = state;
let token = sessionStorage.getItem('kadr-token') || '';

function status(text, isError = false) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
  if (isError) state.error = text;
}

function authHeaders(extra = {}) {
  return token ? { ...extra, Authorization: 'Bearer ' + token } : extra;
}

async function api(url, init = {}) {
  const res = await fetch(url, { ...init, headers: authHeaders(init.headers) });
  if (res.status === 401) {
    $('auth').hidden = false;
    throw new Error('this kadr needs its API token');
  }
  return res;
}

function withQuality(url, quality) {
  return quality && quality !== 'original' ? url + '?quality=' + encodeURIComponent(quality) : url;
}

async function stop() {
  if (state.hls) state.hls.destroy();
  if (state.pc) state.pc.close();
  if (state.whepResource) fetch(state.whepResource, { method: 'DELETE', headers: authHeaders() }).catch(() => {});
  Object.assign(state, { hls: null, pc: null, whepResource: null, mode: null, error: null });
  video.removeAttribute('src');
  video.srcObject = null;
}

async function playWebRtc(stream, quality) {
  const pc = new RTCPeerConnection();
  state.pc = pc;
  pc.addTransceiver('video', { direction: 'recvonly' });
  const gotTrack = new Promise((resolve) => {
    pc.ontrack = (e) => {
      video.srcObject = e.streams[0] || new MediaStream([e.track]);
      resolve();
    };
  });
  await pc.setLocalDescription(await pc.createOffer());
  // Non-trickle WHEP: the offer goes out with its candidates (at most 2 s of gathering).
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    setTimeout(resolve, 2000);
  });
  const res = await api(withQuality(stream.whep, quality), {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp' },
    body: pc.localDescription.sdp,
  });
  if (res.status !== 201) throw new Error('WHEP answered ' + res.status + ': ' + (await res.text()).slice(0, 200));
  const location = res.headers.get('Location');
  if (location) state.whepResource = new URL(location, res.url).href;
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  await Promise.race([gotTrack, new Promise((_, reject) => setTimeout(() => reject(new Error('no video over WebRTC')), 5000))]);
  state.mode = 'webrtc';
}

function playHls(stream, quality) {
  const url = withQuality(stream.hls, quality);
  if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls({
      lowLatencyMode: true,
      xhrSetup: (xhr) => token && xhr.setRequestHeader('Authorization', 'Bearer ' + token),
    });
    state.hls = hls;
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) status('LL-HLS error: ' + data.details + (data.response ? ' (' + data.response.code + ')' : ''), true);
    });
    hls.loadSource(new URL(url, location.href).href);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    // Safari plays HLS itself; it cannot send a header, so this works only without a token.
    video.src = url;
  } else {
    throw new Error('this browser plays neither WebRTC nor HLS');
  }
  state.mode = 'hls';
}

async function play(stream) {
  await stop();
  const quality = $('quality').value;
  const mode = $('mode').value;
  if (mode !== 'hls') {
    try {
      status('connecting (WebRTC)…');
      await playWebRtc(stream, quality);
      status('WebRTC, ' + quality);
      return;
    } catch (error) {
      if (state.pc) state.pc.close();
      state.pc = null;
      if (mode === 'webrtc') return status('WebRTC failed: ' + error.message, true);
    }
  }
  status('connecting (LL-HLS)…');
  playHls(stream, quality);
  status('LL-HLS, ' + quality);
}

async function start() {
  let list;
  try {
    const res = await api('/api/live');
    if (!res.ok) throw new Error('GET /api/live answered ' + res.status);
    list = await res.json();
  } catch (error) {
    return status(error.message, true);
  }
  const stream = list.find((s) => s.name === name);
  if (!stream) {
    const names = list.map((s) => s.name).join(', ') || 'none';
    return status('There is no live stream "' + name + '" (streams: ' + names + ').', true);
  }
  const select = $('quality');
  select.replaceChildren(...stream.qualities.map((q) => new Option(q, q)));
  if (params.get('quality') && stream.qualities.includes(params.get('quality'))) select.value = params.get('quality');
  if (['hls', 'webrtc'].includes(params.get('mode'))) $('mode').value = params.get('mode');
  select.onchange = () => play(stream);
  $('mode').onchange = () => play(stream);
  await play(stream);
}

$('auth').onsubmit = (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('kadr-token', token);
  $('auth').hidden = true;
  start();
};
addEventListener('pagehide', () => stop());
start();
`;
