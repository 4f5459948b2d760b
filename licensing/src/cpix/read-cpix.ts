import { DOMParser, type Element } from '@xmldom/xmldom';
import { base64ToBytes, isKeyIdUuid } from '../keys/key-id.ts';
import { isKeyTier } from '../keys/key-tier.ts';
import { CPIX_NS, ENCRYPTION_SCHEMES, PSKC_NS, type AudioFilter, type ContentKeyUsageRule, type CpixDocument, type DrmSystemSignalling, type EncryptionScheme, type VideoFilter } from './cpix-document.ts';

/** A CPIX document we cannot use; `path` names the element, the message what was expected and found. */
export class CpixError extends Error {
  override name = 'CpixError';
}

const MAX_CPIX_BYTES = 1024 * 1024;
const UUID_ANY_CASE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// Parts of CPIX 2.3 this key exchange does not implement: refused by name rather than silently ignored.
const UNSUPPORTED = new Set(['DeliveryDataList', 'ContentKeyPeriodList', 'Signature']);
const KNOWN_LISTS = new Set(['ContentKeyList', 'DRMSystemList', 'ContentKeyUsageRuleList', 'UpdateHistoryItemList']);

function children(parent: Element): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === 1) out.push(node as Element);
    // Text between elements must be white space: anything else is content in the wrong place.
    else if (node.nodeType === 3 && node.nodeValue?.trim()) throw new CpixError(`${parent.localName}: unexpected text ${JSON.stringify(node.nodeValue.trim().slice(0, 40))}`);
  }
  return out;
}

function only(parent: Element, ns: string, name: string, path: string): Element {
  const found = children(parent).filter((e) => e.namespaceURI === ns && e.localName === name);
  if (found.length !== 1) throw new CpixError(`${path}: expected exactly one ${name}, found ${found.length}`);
  return found[0]!;
}

function text(element: Element): string {
  return (element.textContent ?? '').trim();
}

function uuid(value: string | null, path: string): string {
  if (value === null || !UUID_ANY_CASE.test(value)) throw new CpixError(`${path}: expected a UUID, received ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

function base64(value: string, path: string): Uint8Array {
  try {
    return base64ToBytes(value.replace(/\s+/g, ''));
  } catch {
    throw new CpixError(`${path}: expected base64`);
  }
}

function count(element: Element, name: string, path: string): number | undefined {
  const raw = element.getAttribute(name);
  if (raw === null) return undefined;
  if (!/^\d{1,10}$/.test(raw)) throw new CpixError(`${path}@${name}: expected a non-negative integer, received ${JSON.stringify(raw)}`);
  return Number(raw);
}

function range<T extends Record<string, number | undefined>>(filter: T, min: keyof T, max: keyof T, path: string): T {
  const lo = filter[min];
  const hi = filter[max];
  if (lo !== undefined && hi !== undefined && lo > hi) throw new CpixError(`${path}: ${String(min)} ${lo} is above ${String(max)} ${hi}`);
  return filter;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Parse and check a DASH-IF CPIX 2.x document (namespace `urn:dashif:org:cpix`, prefixed or default).
 * Strict: every KID a UUID and unique; every content key a clear 16-byte `pskc:PlainValue`; DRM systems
 * and usage rules refer to keys of the document; filters are well-formed ranges; no DOCTYPE, no
 * unknown elements, and the parts we do not implement (encrypted delivery, key periods, signatures)
 * are refused by name.
 */
export function readCpix(xml: string): CpixDocument {
  if (xml.length > MAX_CPIX_BYTES) throw new CpixError(`document: expected at most ${MAX_CPIX_BYTES} bytes`);
  // Entities are never expanded: a DTD anywhere is refused before parsing.
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) throw new CpixError('document: a DOCTYPE or ENTITY declaration is not allowed');
  let root: Element | null;
  try {
    const doc = new DOMParser({
      onError: (level, message) => {
        throw new CpixError(`document: not well-formed XML (${level}: ${message.split('\n')[0]})`);
      },
    }).parseFromString(xml, 'application/xml');
    root = doc.documentElement;
  } catch (error) {
    if (error instanceof CpixError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof CpixError) throw cause;
    throw new CpixError(`document: not well-formed XML (${(error as Error).message.split('\n')[0]})`);
  }
  if (root === null || root.namespaceURI !== CPIX_NS || root.localName !== 'CPIX') {
    throw new CpixError(`document: expected a CPIX root element in ${CPIX_NS}, received ${root?.localName ?? 'none'} in ${root?.namespaceURI ?? 'no namespace'}`);
  }
  const version = root.getAttribute('version');
  if (version !== null && !/^2\.\d+$/.test(version)) throw new CpixError(`CPIX@version: expected 2.x, received ${JSON.stringify(version)}`);
  const contentId = root.getAttribute('contentId') ?? '';

  const lists = new Map<string, Element>();
  for (const child of children(root)) {
    if (child.namespaceURI !== CPIX_NS) throw new CpixError(`CPIX: unexpected element ${child.localName} in ${child.namespaceURI ?? 'no namespace'}`);
    const name = child.localName ?? '';
    if (UNSUPPORTED.has(name)) throw new CpixError(`CPIX/${child.localName}: not supported by this key exchange (clear keys inside the process only)`);
    if (!KNOWN_LISTS.has(name)) throw new CpixError(`CPIX: unknown element ${child.localName}`);
    if (lists.has(name)) throw new CpixError(`CPIX: ${child.localName} appears twice`);
    lists.set(name, child);
  }
  const keyList = lists.get('ContentKeyList');
  if (!keyList) throw new CpixError('CPIX: expected a ContentKeyList');

  const contentKeys: CpixDocument['contentKeys'] = [];
  const kids = new Set<string>();
  children(keyList).forEach((element, i) => {
    const path = `ContentKeyList/ContentKey[${i}]`;
    if (element.namespaceURI !== CPIX_NS || element.localName !== 'ContentKey') throw new CpixError(`ContentKeyList: unexpected element ${element.localName}`);
    const kid = uuid(element.getAttribute('kid'), `${path}@kid`);
    if (kids.has(kid)) throw new CpixError(`${path}@kid: ${kid} appears twice`);
    kids.add(kid);
    const scheme = element.getAttribute('commonEncryptionScheme');
    if (scheme !== null && !(ENCRYPTION_SCHEMES as readonly string[]).includes(scheme)) {
      throw new CpixError(`${path}@commonEncryptionScheme: expected one of ${ENCRYPTION_SCHEMES.join(', ')}, received ${JSON.stringify(scheme)}`);
    }
    const data = only(element, CPIX_NS, 'Data', path);
    const secret = only(data, PSKC_NS, 'Secret', `${path}/Data`);
    const secretChildren = children(secret);
    if (secretChildren.some((e) => e.localName === 'EncryptedValue')) throw new CpixError(`${path}/Data/Secret: encrypted keys (EncryptedValue) are not supported`);
    const plain = only(secret, PSKC_NS, 'PlainValue', `${path}/Data/Secret`);
    const key = base64(text(plain), `${path}/Data/Secret/PlainValue`);
    if (key.length !== 16) throw new CpixError(`${path}/Data/Secret/PlainValue: expected a 16-byte key, received ${key.length} bytes`);
    contentKeys.push({ kid, tier: 'SD', key, ...(scheme !== null && { commonEncryptionScheme: scheme as EncryptionScheme }) });
  });
  if (contentKeys.length === 0) throw new CpixError('ContentKeyList: expected at least one ContentKey');

  const drmSystems: DrmSystemSignalling[] = [];
  const drmList = lists.get('DRMSystemList');
  if (drmList) {
    children(drmList).forEach((element, i) => {
      const path = `DRMSystemList/DRMSystem[${i}]`;
      if (element.namespaceURI !== CPIX_NS || element.localName !== 'DRMSystem') throw new CpixError(`DRMSystemList: unexpected element ${element.localName}`);
      const kid = uuid(element.getAttribute('kid'), `${path}@kid`);
      if (!kids.has(kid)) throw new CpixError(`${path}@kid: ${kid} is not a ContentKey of this document`);
      const system: DrmSystemSignalling = { kid, systemId: uuid(element.getAttribute('systemId'), `${path}@systemId`) };
      for (const child of children(element)) {
        if (child.namespaceURI !== CPIX_NS) throw new CpixError(`${path}: unexpected element ${child.localName}`);
        const value = base64(text(child), `${path}/${child.localName}`);
        const decoded = () => {
          try {
            return utf8.decode(value);
          } catch {
            throw new CpixError(`${path}/${child.localName}: expected base64 of UTF-8 text`);
          }
        };
        switch (child.localName) {
          case 'PSSH':
            if (value.length < 32 || String.fromCharCode(...value.slice(4, 8)) !== 'pssh') throw new CpixError(`${path}/PSSH: expected a pssh box`);
            system.pssh = value;
            break;
          case 'ContentProtectionData':
            system.contentProtectionData = decoded();
            break;
          case 'HLSSignalingData':
            system.hlsSignalingData = decoded();
            break;
          case 'URIExtXKey':
          case 'HDSSignalingData':
          case 'SmoothStreamingProtectionHeaderData':
          case 'HDSSignallingData':
            break; // other delivery formats' signalling: valid CPIX, not used by this packager
          default:
            throw new CpixError(`${path}: unknown element ${child.localName}`);
        }
      }
      drmSystems.push(system);
    });
  }

  const usageRules: ContentKeyUsageRule[] = [];
  const ruleList = lists.get('ContentKeyUsageRuleList');
  if (ruleList) {
    children(ruleList).forEach((element, i) => {
      const path = `ContentKeyUsageRuleList/ContentKeyUsageRule[${i}]`;
      if (element.namespaceURI !== CPIX_NS || element.localName !== 'ContentKeyUsageRule') throw new CpixError(`ContentKeyUsageRuleList: unexpected element ${element.localName}`);
      const kid = uuid(element.getAttribute('kid'), `${path}@kid`);
      if (!kids.has(kid)) throw new CpixError(`${path}@kid: ${kid} is not a ContentKey of this document`);
      const rule: ContentKeyUsageRule = { kid, videoFilters: [], audioFilters: [] };
      const intended = element.getAttribute('intendedTrackType');
      if (intended !== null) rule.intendedTrackType = intended;
      for (const child of children(element)) {
        const where = `${path}/${child.localName}`;
        if (child.namespaceURI !== CPIX_NS) throw new CpixError(`${path}: unexpected element ${child.localName}`);
        if (child.localName === 'VideoFilter') {
          const f: VideoFilter = {};
          const min = count(child, 'minPixels', where);
          const max = count(child, 'maxPixels', where);
          if (min !== undefined) f.minPixels = min;
          if (max !== undefined) f.maxPixels = max;
          rule.videoFilters.push(range(f as Record<string, number | undefined>, 'minPixels', 'maxPixels', where) as VideoFilter);
        } else if (child.localName === 'AudioFilter') {
          const f: AudioFilter = {};
          const min = count(child, 'minChannels', where);
          const max = count(child, 'maxChannels', where);
          if (min !== undefined) f.minChannels = min;
          if (max !== undefined) f.maxChannels = max;
          rule.audioFilters.push(range(f as Record<string, number | undefined>, 'minChannels', 'maxChannels', where) as AudioFilter);
        } else if (['KeyPeriodFilter', 'LabelFilter', 'BitrateFilter'].includes(child.localName ?? '')) {
          throw new CpixError(`${where}: not supported by this packager`);
        } else {
          throw new CpixError(`${path}: unknown element ${child.localName}`);
        }
      }
      if (rule.videoFilters.length === 0 && rule.audioFilters.length === 0) throw new CpixError(`${path}: expected a VideoFilter or AudioFilter`);
      usageRules.push(rule);
    });
  }

  // A key's tier comes from its usage rule's intendedTrackType when it names one of ours.
  for (const key of contentKeys) {
    const intended = usageRules.find((r) => r.kid === key.kid)?.intendedTrackType;
    if (isKeyTier(intended)) key.tier = intended;
  }
  return { contentId, contentKeys, drmSystems, usageRules };
}
