import { scanXml } from '@cascade/manifest-rewriter';

/** The video Representations of an MPD as file-name patterns with their @bandwidth, and the lowest of them. */
export interface DashLadder {
  representations: Array<{ files: RegExp; bandwidth: number }>;
  lowest: number;
}

const TEMPLATE_ATTRIBUTES = ['media', 'initialization'] as const;

function xmlUnescape(value: string): string {
  return value.replaceAll('&quot;', '"').replaceAll('&apos;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A SegmentTemplate @media or @initialization (ISO/IEC 23009-1 5.3.9.4.4) as an anchored pattern for one
 * Representation: its id and bandwidth filled in, $Number$ and $Time$ (any width) as digits. Only templates
 * relative to the MPD's directory, without a query, are kept (segment paths are checked below the title's scope).
 */
function templatePattern(template: string, id: string, bandwidth: number): string | undefined {
  if (template.startsWith('/') || template.includes('?') || template.includes('#') || template.includes(':') || template.split('/').includes('..')) return undefined;
  let pattern = '';
  let rest = template;
  for (;;) {
    const open = rest.indexOf('$');
    if (open < 0) return pattern + escapeRegExp(rest);
    const close = rest.indexOf('$', open + 1);
    if (close < 0) return undefined;
    pattern += escapeRegExp(rest.slice(0, open));
    const identifier = rest.slice(open + 1, close).replace(/%0\d+d$/, '');
    if (identifier === '') pattern += '\\$';
    else if (identifier === 'RepresentationID') pattern += escapeRegExp(id);
    else if (identifier === 'Bandwidth') pattern += String(bandwidth);
    else if (identifier === 'Number' || identifier === 'Time' || identifier === 'SubNumber') pattern += '\\d{1,20}';
    else return undefined;
    rest = rest.slice(close + 1);
  }
}

/**
 * Reads the video ladder of an MPD: for each video Representation, the files its SegmentTemplate (its own
 * or its AdaptationSet's) names, with its @bandwidth. Audio, text and anything without a template are not
 * listed and never capped.
 */
export function dashLadder(mpd: string): DashLadder {
  const representations: DashLadder['representations'] = [];
  let lowest = Number.POSITIVE_INFINITY;
  let setVideo = false;
  let setTemplate: Record<string, string> = {};
  let rep: { id: string; bandwidth: number; video: boolean; template: Record<string, string> } | undefined;
  const close = () => {
    if (rep === undefined) return;
    const template = { ...setTemplate, ...rep.template };
    const patterns = TEMPLATE_ATTRIBUTES.map((name) => template[name]).filter((t) => t !== undefined).map((t) => templatePattern(t, rep!.id, rep!.bandwidth));
    if (rep.video && patterns.length > 0 && patterns.every((p) => p !== undefined)) {
      representations.push({ files: new RegExp(`^(?:${patterns.join('|')})$`), bandwidth: rep.bandwidth });
      lowest = Math.min(lowest, rep.bandwidth);
    }
    rep = undefined;
  };
  for (const token of scanXml(mpd)) {
    if (token.kind === 'end' && token.name === 'Representation') close();
    if (token.kind !== 'start') continue;
    const attributes = Object.fromEntries(token.attributes.map((a) => [a.name, xmlUnescape(mpd.slice(a.valueStart, a.valueEnd))]));
    const isVideo = (attributes['contentType'] ?? attributes['mimeType'] ?? '').startsWith('video');
    if (token.name === 'AdaptationSet') {
      close();
      setVideo = isVideo;
      setTemplate = {};
    } else if (token.name === 'SegmentTemplate') {
      const template = Object.fromEntries(TEMPLATE_ATTRIBUTES.filter((name) => attributes[name] !== undefined).map((name) => [name, attributes[name]!]));
      if (rep !== undefined) rep.template = { ...rep.template, ...template };
      else setTemplate = template;
    } else if (token.name === 'Representation') {
      close();
      const bandwidth = Number(attributes['bandwidth']);
      if (attributes['id'] !== undefined && Number.isSafeInteger(bandwidth) && bandwidth > 0) {
        rep = { id: attributes['id'], bandwidth, video: setVideo || isVideo, template: {} };
        if (token.selfClosing) close();
      }
    }
  }
  close();
  return { representations, lowest: Number.isFinite(lowest) ? lowest : 0 };
}

/** A segment's Representation bandwidth, 0 when the surge cap never refuses it (lowest video, audio, unknown). */
export function segmentBandwidth(ladder: DashLadder, file: string): number {
  const bandwidth = ladder.representations.find((r) => r.files.test(file))?.bandwidth;
  return bandwidth === undefined || bandwidth <= ladder.lowest ? 0 : bandwidth;
}
