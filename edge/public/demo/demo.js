// Development player page. window.demoState is what the browser test reads: per player, the
// playback position and the first fatal error, so "plays" and "refuses to load" are observable.
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  const title = params.get('title') || 'demo';
  // ?player=hls or ?player=shaka plays with one player only (one stream of the account's limit).
  const only = params.get('player');
  // ?heartbeat=SECONDS: how often each player renews its stream lease (default: what the edge says).
  const heartbeatOverride = Number(params.get('heartbeat')) || 0;
  document.getElementById('title-id').textContent = title;

  const state = (window.demoState = {
    hls: { loaded: false, currentTime: 0, error: null },
    shaka: { loaded: false, currentTime: 0, error: null },
    // Each player holds one of the account's concurrent streams; the edge names the URL that ends it
    // in the manifest answer's x-stream-stop header. Leaving the page ends both, so reloading the
    // demo does not run into the plan's stream limit while the old leases wait to expire.
    stopUrls: [],
    // Licence requests the players made: how many the edge granted, and the problem codes it refused.
    licenses: { granted: 0, refused: [] },
  });
  // An encrypted title's manifest names this session's ClearKey licence URL (x-license-url). The
  // page configures no keys: the players' CDM asks the edge, which checks the session first.
  function countLicense(status, body) {
    if (status === 200) state.licenses.granted++;
    else {
      let code = String(status);
      try { code = JSON.parse(body).code || code; } catch (_) { /* not JSON */ }
      state.licenses.refused.push(code);
    }
  }
  // DASH and VOD HLS players reload no playlist, so they renew their lease with the heartbeat URL; an
  // evicted or ended stream is stopped with the edge's code, as a player integration would.
  function keepAlive(name, heartbeatUrl, stop) {
    let timer = 0;
    const beat = () => {
      fetch(heartbeatUrl, { method: 'POST' }).then((response) => response.json().then((body) => {
        if (response.ok) {
          timer = setTimeout(beat, 1000 * (heartbeatOverride || Math.max(1, body.heartbeatSeconds / 2)));
        } else {
          stop(body.code || String(response.status));
        }
      })).catch(() => { timer = setTimeout(beat, 5000); });
    };
    timer = setTimeout(beat, 1000 * (heartbeatOverride || 30));
    return () => clearTimeout(timer);
  }
  function rememberStop(url) {
    if (url && !state.stopUrls.includes(url)) state.stopUrls.push(url);
  }
  window.addEventListener('pagehide', () => {
    for (const url of state.stopUrls) navigator.sendBeacon(url);
  });

  function track(name, video) {
    const status = document.getElementById(name + '-status');
    const render = () => {
      const s = state[name];
      status.textContent = s.error ? 'error: ' + s.error : (s.loaded ? 'playing ' : 'loading ') + s.currentTime.toFixed(1) + ' s';
      status.className = 'status' + (s.error ? ' error' : '');
    };
    video.addEventListener('timeupdate', () => { state[name].currentTime = video.currentTime; render(); });
    return {
      loaded() { state[name].loaded = true; render(); video.play().catch(() => {}); },
      failed(message) { if (!state[name].error) state[name].error = String(message); render(); },
      skipped() { document.getElementById(name + '-video').closest('section').hidden = true; },
    };
  }

  if (!token) {
    document.getElementById('no-token').hidden = false;
    state.hls.error = state.shaka.error = 'no token';
    return;
  }
  const q = '?token=' + encodeURIComponent(token);

  // hls.js
  const hlsVideo = document.getElementById('hls-video');
  const hlsTrack = track('hls', hlsVideo);
  if (only && only !== 'hls') {
    hlsTrack.skipped();
  } else if (window.Hls && window.Hls.isSupported()) {
    let licenseUrl = null;
    let stopBeating = () => {};
    const hls = new window.Hls({
      enableWorker: true,
      debug: params.get('debug') === '1',
      emeEnabled: true,
      // hls.js needs a licence URL per key system up front; the session's own comes with the playlist.
      drmSystems: {
        'org.w3.clearkey': {
          licenseUrl: '/v1/license/clearkey',
          // Ask for each playlist key as soon as its EXT-X-KEY is met (W3C "keyids" init data from its
          // KEYID) instead of waiting for an "encrypted" event from the init segment, which Chromium
          // does not raise for every track.
          generateRequest(initDataType, initData, context) {
            const kid = context && context.decryptdata && context.decryptdata.keyId;
            if (initData || !kid) return { initDataType, initData };
            const b64url = btoa(String.fromCharCode.apply(null, Array.from(kid))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
            return { initDataType: 'keyids', initData: new TextEncoder().encode(JSON.stringify({ kids: [b64url] })).buffer };
          },
        },
      },
      licenseXhrSetup(xhr, url) {
        xhr.open('POST', licenseUrl || url, true);
        xhr.addEventListener('loadend', () => countLicense(xhr.status, typeof xhr.response === 'string' ? xhr.response : new TextDecoder().decode(xhr.response || new ArrayBuffer(0))));
      },
      xhrSetup(xhr, url) {
        if (url.includes('/v1/play/')) {
          xhr.addEventListener('load', () => {
            rememberStop(xhr.getResponseHeader('x-stream-stop'));
            licenseUrl = xhr.getResponseHeader('x-license-url') || licenseUrl;
            const heartbeat = xhr.getResponseHeader('x-stream-heartbeat');
            if (heartbeat) stopBeating = keepAlive('hls', heartbeat, (code) => { hlsTrack.failed(code); hls.destroy(); hlsVideo.pause(); });
          });
        }
      },
    });
    window.demoHls = hls;
    hls.on(window.Hls.Events.MANIFEST_PARSED, () => hlsTrack.loaded());
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) { stopBeating(); hlsTrack.failed(data.details + (data.response ? ' (HTTP ' + data.response.code + ')' : '')); }
    });
    hls.loadSource('/v1/play/' + encodeURIComponent(title) + '/master.m3u8' + q);
    hls.attachMedia(hlsVideo);
  } else {
    hlsTrack.failed('hls.js is not supported in this browser');
  }

  // Shaka Player
  const shakaVideo = document.getElementById('shaka-video');
  const shakaTrack = track('shaka', shakaVideo);
  window.shaka.polyfill.installAll();
  if (only && only !== 'shaka') {
    shakaTrack.skipped();
  } else if (window.shaka.Player.isBrowserSupported()) {
    const player = new window.shaka.Player();
    window.demoShaka = player;
    let stopBeating = () => {};
    player.addEventListener('error', (event) => {
      stopBeating();
      // 6007 LICENSE_REQUEST_FAILED wraps the HTTP error (1001: [uri, status, body]).
      const http = event.detail.code === 6007 && event.detail.data && event.detail.data[0];
      if (http && http.data) countLicense(http.data[1], typeof http.data[2] === 'string' ? http.data[2] : '');
      shakaTrack.failed('shaka error ' + event.detail.code);
    });
    // The licence URL is in the MPD (dashif:Laurl inside the ClearKey ContentProtection); Shaka reads it.
    const LICENSE = window.shaka.net.NetworkingEngine.RequestType.LICENSE;
    player.getNetworkingEngine().registerResponseFilter((type, response) => {
      rememberStop(response.headers['x-stream-stop']);
      const heartbeat = response.headers['x-stream-heartbeat'];
      if (heartbeat) stopBeating = keepAlive('shaka', heartbeat, (code) => { shakaTrack.failed(code); player.destroy(); shakaVideo.pause(); });
      if (type === LICENSE) countLicense(response.status || 200, '');
    });
    player
      .attach(shakaVideo)
      .then(() => player.load('/v1/play/' + encodeURIComponent(title) + '/manifest.mpd' + q))
      .then(() => shakaTrack.loaded())
      .catch((error) => shakaTrack.failed('shaka error ' + (error && error.code)));
  } else {
    shakaTrack.failed('Shaka Player is not supported in this browser');
  }
})();
