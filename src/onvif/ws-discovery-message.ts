/**
 * WS-Discovery (the 2005/04 version that ONVIF devices and DPWS hosts speak, over SOAP-over-UDP):
 * the Probe and Resolve messages kadr sends, and the ProbeMatches / ResolveMatches it reads back.
 * ONVIF Core (section 7.3) names the type a camera answers to: dn:NetworkVideoTransmitter.
 */
import { randomUUID } from 'node:crypto';
import { findAll, findFirst, parseXml, resolveQName, type XmlElement } from './xml-elements.js';

export const WSD_NS = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
export const WSA_NS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const ONVIF_NETWORK_NS = 'http://www.onvif.org/ver10/network/wsdl';
export const DPWS_NS = 'http://schemas.xmlsoap.org/ws/2006/02/devprof';
export const WSD_MULTICAST = { address: '239.255.255.250', port: 3702 } as const;

/** The QNames a probe can ask for; the prefixes are declared on the envelope. */
export type ProbeType = 'dn:NetworkVideoTransmitter' | 'wsdp:Device';

export interface DiscoveryMatch {
  /** The endpoint reference address: the device's stable id (usually `urn:uuid:...`). */
  endpoint: string;
  /** QNames as sent, e.g. `dn:NetworkVideoTransmitter tds:Device`. */
  types: string[];
  /** True when one of the types is ONVIF's NetworkVideoTransmitter (a camera or encoder). */
  onvif: boolean;
  scopes: string[];
  /** Where the device's services answer (for ONVIF, the device service URL). */
  xaddrs: string[];
  metadataVersion: number | null;
}

export interface DiscoveryAnswer {
  action: string;
  relatesTo: string | null;
  matches: DiscoveryMatch[];
}

const escapeXml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

export const newMessageId = (): string => `urn:uuid:${randomUUID()}`;

function envelope(action: string, messageId: string, body: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soap:Envelope xmlns:soap="${SOAP12_NS}" xmlns:wsa="${WSA_NS}" xmlns:wsd="${WSD_NS}"` +
    ` xmlns:wsdp="${DPWS_NS}" xmlns:dn="${ONVIF_NETWORK_NS}">` +
    '<soap:Header>' +
    '<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>' +
    `<wsa:Action>${WSD_NS}/${action}</wsa:Action>` +
    `<wsa:MessageID>${escapeXml(messageId)}</wsa:MessageID>` +
    '</soap:Header>' +
    `<soap:Body>${body}</soap:Body>` +
    '</soap:Envelope>'
  );
}

/**
 * A Probe for one type. The type is written with the prefix every responder expects: some (wsdd
 * among them) compare the text of Types rather than the resolved QName.
 */
export function buildProbe(messageId: string, type: ProbeType): string {
  return envelope('Probe', messageId, `<wsd:Probe><wsd:Types>${type}</wsd:Types></wsd:Probe>`);
}

/** A Resolve for an endpoint that answered a probe without XAddrs (WS-Discovery section 6). */
export function buildResolve(messageId: string, endpoint: string): string {
  return envelope(
    'Resolve',
    messageId,
    `<wsd:Resolve><wsa:EndpointReference><wsa:Address>${escapeXml(endpoint)}</wsa:Address>` +
      '</wsa:EndpointReference></wsd:Resolve>',
  );
}

const words = (e: XmlElement | undefined) => (e ? e.text.split(/\s+/).filter(Boolean) : []);

function readMatch(m: XmlElement): DiscoveryMatch | null {
  const epr = findFirst(m, 'EndpointReference');
  const endpoint = (epr && findFirst(epr, 'Address')?.text.trim()) || '';
  if (!endpoint) return null;
  const typesElement = findFirst(m, 'Types');
  const types = words(typesElement);
  const onvif = types.some((t) => {
    const q = resolveQName(t, typesElement!);
    // A device that forgot to declare the prefix still says what it is by the local name.
    return q.local === 'NetworkVideoTransmitter' && (q.ns === ONVIF_NETWORK_NS || q.ns === '');
  });
  const version = Number(findFirst(m, 'MetadataVersion')?.text.trim());
  return {
    endpoint,
    types,
    onvif,
    scopes: words(findFirst(m, 'Scopes')),
    xaddrs: words(findFirst(m, 'XAddrs')),
    metadataVersion: Number.isFinite(version) && findFirst(m, 'MetadataVersion') ? version : null,
  };
}

/** A ProbeMatches or ResolveMatches datagram; null for anything else (Hello, Bye, garbage). */
export function parseDiscoveryAnswer(xml: string): DiscoveryAnswer | null {
  const root = parseXml(xml);
  if (!root || root.local !== 'Envelope') return null;
  const header = findFirst(root, 'Header');
  const action = (header && findFirst(header, 'Action')?.text.trim()) || '';
  const body = findFirst(root, 'Body');
  if (!body) return null;
  const kind = action.endsWith('/ResolveMatches')
    ? 'ResolveMatch'
    : action.endsWith('/ProbeMatches')
      ? 'ProbeMatch'
      : null;
  if (!kind) return null;
  return {
    action,
    relatesTo: (header && findFirst(header, 'RelatesTo')?.text.trim()) || null,
    matches: findAll(body, kind)
      .map(readMatch)
      .filter((m): m is DiscoveryMatch => m !== null),
  };
}
