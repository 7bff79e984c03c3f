/**
 * Just enough XML for SOAP-over-UDP answers: elements with their namespace resolved, attributes and
 * text, entities decoded. Discovery answers are small, come from any device on the link, and only a
 * handful of their fields are read, so a full XML library is not needed; anything this reader cannot
 * make sense of yields null and the datagram is ignored.
 */

export interface XmlElement {
  /** Namespace URI ('' when the prefix is not declared). */
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
  /** Prefix -> namespace URI in scope at this element (QName values such as Types resolve with it). */
  scope: ReadonlyMap<string, string>;
}

const TOKEN =
  /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<!DOCTYPE[^>]*>|<(\/?)([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos') return "'";
    const code = k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

/** The document's root element, or null when the text is not well-formed enough to read. */
export function parseXml(xml: string): XmlElement | null {
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let consumed = 0;
  for (const m of xml.matchAll(TOKEN)) {
    if (m.index !== consumed) return null;
    consumed += m[0].length;
    const [, cdata, closing, name, attrText, selfClosing, text] = m;
    const top = stack[stack.length - 1];
    if (text !== undefined || cdata !== undefined) {
      if (top) top.text += cdata ?? decodeEntities(text!);
      else if (text!.trim() !== '') return null;
      continue;
    }
    if (name === undefined) continue; // comment, declaration, doctype
    const [prefix, local] = name.includes(':') ? name.split(':', 2) : ['', name];
    if (closing) {
      if (!top || (top.scope.get(prefix!) ?? '') !== top.ns || top.local !== local) return null;
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    const scope = new Map(top?.scope ?? []);
    for (const a of (attrText ?? '').matchAll(ATTR)) {
      const value = decodeEntities(a[2] ?? a[3] ?? '');
      if (a[1] === 'xmlns') scope.set('', value);
      else if (a[1]!.startsWith('xmlns:')) scope.set(a[1]!.slice(6), value);
      else attrs[a[1]!] = value;
    }
    const element: XmlElement = {
      ns: scope.get(prefix!) ?? '',
      local: local!,
      attrs,
      children: [],
      text: '',
      scope,
    };
    if (top) top.children.push(element);
    else if (root) return null;
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (consumed !== xml.length || stack.length !== 0) return null;
  return root;
}

/** Every descendant (depth first) with this local name, whatever its namespace. */
export function findAll(element: XmlElement, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const c of e.children) {
      if (c.local === local) out.push(c);
      walk(c);
    }
  };
  walk(element);
  return out;
}

export function findFirst(element: XmlElement, local: string): XmlElement | undefined {
  for (const c of element.children) {
    if (c.local === local) return c;
    const deeper = findFirst(c, local);
    if (deeper) return deeper;
  }
  return undefined;
}

/** A QName value (`dn:NetworkVideoTransmitter`) as namespace and local name, by the element's scope. */
export function resolveQName(qname: string, at: XmlElement): { ns: string; local: string } {
  const i = qname.indexOf(':');
  if (i < 0) return { ns: at.scope.get('') ?? '', local: qname };
  return { ns: at.scope.get(qname.slice(0, i)) ?? '', local: qname.slice(i + 1) };
}
