import { DASHIF_CLEARKEY_SYSTEM_ID } from '@cascade/licensing/protection';

const CLEARKEY_DESCRIPTOR = new RegExp(`<ContentProtection schemeIdUri="urn:uuid:${DASHIF_CLEARKEY_SYSTEM_ID}" value="ClearKey1\\.0"\\s*/>`, 'g');

function xmlEscape(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * Give each DASH-IF ClearKey ContentProtection the session's licence URL, as `dashif:Laurl` (DASH-IF
 * IOP 4.3 §7.7.2.5) and the older `clearkey:Laurl`; Shaka and dash.js read them. The packager writes
 * the descriptor empty (the namespaces are declared on its MPD root), so a manifest never holds a URL
 * of another session.
 */
export function withDashLicenseUrl(mpd: string, url: string): string {
  const laurl = xmlEscape(url);
  return mpd.replace(
    CLEARKEY_DESCRIPTOR,
    `<ContentProtection schemeIdUri="urn:uuid:${DASHIF_CLEARKEY_SYSTEM_ID}" value="ClearKey1.0"><dashif:Laurl>${laurl}</dashif:Laurl><clearkey:Laurl Lic_type="EME-1.0">${laurl}</clearkey:Laurl></ContentProtection>`,
  );
}
