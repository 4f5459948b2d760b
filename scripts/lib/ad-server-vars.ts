/**
 * The edge vars that point the `ssai-*` titles at the local mock ad decision server and let the edge ask
 * the origin to condition creatives (README "Ad insertion"). `npm start` and the e2e stack share them.
 * Pre-roll and a mid-roll at 4 s, 10 s breaks (the mock's spot-a 6 s + spot-b 4 s fill one exactly).
 * `live-demo` gets its SCTE-35 breaks replaced from the same ad server (same id, so the same decisions):
 * spot-b then spot-a, which stitched HLS plays cut at the channel's 2 s segments (two and three segments), so
 * an early return can cut an ad mid-way.
 */
export function adServerVars(adServerUrl: string, originUrl: string, originApiToken: string): Record<string, string> {
  const macros = 'sid={session}&device={device}&region={region}&gdpr={consent}&dur={duration}&pos={position}';
  return {
    AD_SERVERS: JSON.stringify([
      { id: 'local-mock', titles: ['ssai-*'], vastUrl: `${adServerUrl}/vast?v=3&ads=2&creatives=spot-a,spot-b&${macros}`, cuePoints: [0, 4], breakSeconds: 10, timeoutMs: 3000 },
      { id: 'local-mock-vmap', titles: ['vmap-*'], vmapUrl: `${adServerUrl}/vmap?pre=1&mid=4&post=1&ads=2&creatives=spot-a,spot-b&${macros}`, breakSeconds: 10, timeoutMs: 3000 },
      { id: 'local-mock', titles: ['live-demo'], vastUrl: `${adServerUrl}/vast?v=4&ads=2&creatives=spot-b,spot-a&${macros}`, timeoutMs: 3000 },
      { id: 'local-mock-interstitials', titles: ['hlsi-*'], vastUrl: `${adServerUrl}/vast?v=4&ads=2&creatives=spot-a,spot-b&${macros}`, cuePoints: [0, 4], breakSeconds: 10, mode: 'interstitials' },
    ]),
    AD_CONDITIONING_URL: originUrl,
    ORIGIN_API_TOKEN: originApiToken,
  };
}
