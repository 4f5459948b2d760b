// ISO 639-2 (bibliographic and terminologic) -> ISO 639-1 for the languages most often tagged in
// mezzanine files. BCP 47, which HLS LANGUAGE and DASH @lang use, requires the two-letter code where
// one exists; MP4 and Matroska store the three-letter one.
const TWO_LETTER: Record<string, string> = {
  ara: 'ar', ben: 'bn', bul: 'bg', cat: 'ca', ces: 'cs', cze: 'cs', chi: 'zh', zho: 'zh', dan: 'da', deu: 'de', ger: 'de',
  ell: 'el', gre: 'el', eng: 'en', spa: 'es', est: 'et', fas: 'fa', per: 'fa', fin: 'fi', fra: 'fr', fre: 'fr', guj: 'gu',
  heb: 'he', hin: 'hi', hrv: 'hr', hun: 'hu', ind: 'id', ita: 'it', jpn: 'ja', kan: 'kn', kor: 'ko', lit: 'lt', lav: 'lv',
  mal: 'ml', mar: 'mr', msa: 'ms', may: 'ms', nld: 'nl', dut: 'nl', nor: 'no', nob: 'nb', nno: 'nn', pan: 'pa', pol: 'pl',
  por: 'pt', ron: 'ro', rum: 'ro', rus: 'ru', slk: 'sk', slo: 'sk', slv: 'sl', srp: 'sr', swe: 'sv', tam: 'ta', tel: 'te',
  tha: 'th', tur: 'tr', ukr: 'uk', urd: 'ur', vie: 'vi',
};

/**
 * A stream's language tag as a BCP 47 primary subtag: two-letter where ISO 639-1 has one, else the
 * tag as given; undefined for missing, "und" and anything that is not a language code.
 */
export function languageTag(tag: string | undefined): string | undefined {
  if (tag === undefined) return undefined;
  const lower = tag.trim().toLowerCase();
  if (!/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/.test(lower) || lower === 'und' || lower === 'mul' || lower === 'zxx') return undefined;
  const [primary, ...rest] = lower.split('-');
  return [TWO_LETTER[primary!] ?? primary, ...rest].join('-');
}
