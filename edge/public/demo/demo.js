// Development player page. window.demoState is what the browser test reads: per player, the
// playback position and the first fatal error, so "plays" and "refuses to load" are observable.
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  const title = params.get('title') || 'demo';
  document.getElementById('title-id').textContent = title;

  const state = (window.demoState = {
    hls: { loaded: false, currentTime: 0, error: null },
    shaka: { loaded: false, currentTime: 0, error: null },
    // Each player holds one of the account's concurrent streams; the edge names the URL that ends it
    // in the manifest answer's x-stream-stop header. Leaving the page ends both, so reloading the
    // demo does not run into the plan's stream limit while the old leases wait to expire.
    stopUrls: [],
  });
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
  if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls({
      enableWorker: true,
      xhrSetup(xhr, url) {
        if (url.includes('/v1/play/')) xhr.addEventListener('load', () => rememberStop(xhr.getResponseHeader('x-stream-stop')));
      },
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, () => hlsTrack.loaded());
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) hlsTrack.failed(data.details + (data.response ? ' (HTTP ' + data.response.code + ')' : ''));
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
  if (window.shaka.Player.isBrowserSupported()) {
    const player = new window.shaka.Player();
    player.addEventListener('error', (event) => shakaTrack.failed('shaka error ' + event.detail.code));
    player.getNetworkingEngine().registerResponseFilter((_type, response) => rememberStop(response.headers['x-stream-stop']));
    player
      .attach(shakaVideo)
      .then(() => player.load('/v1/play/' + encodeURIComponent(title) + '/manifest.mpd' + q))
      .then(() => shakaTrack.loaded())
      .catch((error) => shakaTrack.failed('shaka error ' + (error && error.code)));
  } else {
    shakaTrack.failed('Shaka Player is not supported in this browser');
  }
})();
