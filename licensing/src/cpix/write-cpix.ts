import { bytesToBase64 } from '../keys/key-id.ts';
import { CPIX_NS, PSKC_NS, type CpixDocument, type VideoFilter, type AudioFilter } from './cpix-document.ts';

function escape(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function attributes(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escape(String(v))}"`)
    .join('');
}

/**
 * Serialize a CPIX 2.3 document (DASH-IF CPIX §5). Keys travel as `pskc:PlainValue`, so the document
 * is for the in-process exchange between the key service and the packager; stored keys are always
 * wrapped under the KEK instead.
 */
export function writeCpix(doc: CpixDocument): string {
  const encoder = new TextEncoder();
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<cpix:CPIX xmlns:cpix="${CPIX_NS}" xmlns:pskc="${PSKC_NS}"${attributes({ contentId: doc.contentId, version: '2.3' })}>`,
    '  <cpix:ContentKeyList>',
  ];
  for (const key of doc.contentKeys) {
    lines.push(
      `    <cpix:ContentKey${attributes({ kid: key.kid, commonEncryptionScheme: key.commonEncryptionScheme })}>`,
      `      <cpix:Data><pskc:Secret><pskc:PlainValue>${bytesToBase64(key.key)}</pskc:PlainValue></pskc:Secret></cpix:Data>`,
      '    </cpix:ContentKey>',
    );
  }
  lines.push('  </cpix:ContentKeyList>');
  if (doc.drmSystems.length > 0) {
    lines.push('  <cpix:DRMSystemList>');
    for (const system of doc.drmSystems) {
      lines.push(`    <cpix:DRMSystem${attributes({ kid: system.kid, systemId: system.systemId })}>`);
      if (system.pssh) lines.push(`      <cpix:PSSH>${bytesToBase64(system.pssh)}</cpix:PSSH>`);
      if (system.contentProtectionData !== undefined) {
        lines.push(`      <cpix:ContentProtectionData>${bytesToBase64(encoder.encode(system.contentProtectionData))}</cpix:ContentProtectionData>`);
      }
      if (system.hlsSignalingData !== undefined) {
        lines.push(`      <cpix:HLSSignalingData playlist="media">${bytesToBase64(encoder.encode(system.hlsSignalingData))}</cpix:HLSSignalingData>`);
      }
      lines.push('    </cpix:DRMSystem>');
    }
    lines.push('  </cpix:DRMSystemList>');
  }
  if (doc.usageRules.length > 0) {
    lines.push('  <cpix:ContentKeyUsageRuleList>');
    for (const rule of doc.usageRules) {
      lines.push(`    <cpix:ContentKeyUsageRule${attributes({ kid: rule.kid, intendedTrackType: rule.intendedTrackType })}>`);
      for (const f of rule.videoFilters) lines.push(`      <cpix:VideoFilter${attributes(f as VideoFilter & Record<string, number | undefined>)}/>`);
      for (const f of rule.audioFilters) lines.push(`      <cpix:AudioFilter${attributes(f as AudioFilter & Record<string, number | undefined>)}/>`);
      lines.push('    </cpix:ContentKeyUsageRule>');
    }
    lines.push('  </cpix:ContentKeyUsageRuleList>');
  }
  lines.push('</cpix:CPIX>', '');
  return lines.join('\n');
}
