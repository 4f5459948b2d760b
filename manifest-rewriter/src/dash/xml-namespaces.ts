import { decodeXmlEntities } from './xml-escape.ts';
import type { XmlStartTag } from './xml-scanner.ts';

/** Prefix ('' for the default namespace) to namespace name, as declared on one element. */
export type NamespaceDeclarations = ReadonlyMap<string, string>;

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

/** The xmlns / xmlns:p declarations on a start tag, or undefined when it has none (the common case). */
export function namespaceDeclarations(source: string, tag: XmlStartTag): NamespaceDeclarations | undefined {
  let declarations: Map<string, string> | undefined;
  for (const attribute of tag.attributes) {
    const { name } = attribute;
    if (name !== 'xmlns' && !name.startsWith('xmlns:')) continue;
    declarations ??= new Map();
    const value = decodeXmlEntities(source.slice(attribute.valueStart, attribute.valueEnd));
    declarations.set(name === 'xmlns' ? '' : name.slice(6), value);
  }
  return declarations;
}

/**
 * Resolves a prefix against the declarations in scope, innermost first. An undeclared default namespace is ''
 * (no namespace, as in MPDs that omit xmlns); an undeclared prefix yields a name no declaration can equal.
 */
export function lookupNamespace(prefix: string, scopes: readonly (NamespaceDeclarations | undefined)[]): string {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const found = scopes[i]?.get(prefix);
    if (found !== undefined) return found;
  }
  if (prefix === 'xml') return XML_NAMESPACE;
  return prefix === '' ? '' : `#undeclared:${prefix}`;
}

export function prefixOf(qualifiedName: string): string {
  const colon = qualifiedName.indexOf(':');
  return colon === -1 ? '' : qualifiedName.slice(0, colon);
}

export function localNameOf(qualifiedName: string): string {
  return qualifiedName.slice(qualifiedName.indexOf(':') + 1);
}
