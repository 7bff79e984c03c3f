import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { buildProbe, buildResolve, parseDiscoveryAnswer } from './ws-discovery-message.js';
import { parseXml } from './xml-elements.js';

// A camera's ProbeMatches as the `onvif` package's tests recorded it (test/fixtures/onvif-mockup/).
const recordedProbeMatches = readFileSync(
  path.resolve(import.meta.dirname, '../../test/fixtures/onvif-mockup/Probe.xml'),
  'utf8',
)
  .replace('RELATES_TO', 'urn:uuid:11111111-2222-4333-8444-555555555555')
  .replace('SERVICE_URI', 'http://10.0.0.7/onvif/device_service');

test('a recorded camera answer is read as an ONVIF NetworkVideoTransmitter', () => {
  const answer = parseDiscoveryAnswer(recordedProbeMatches);
  assert.ok(answer);
  assert.equal(answer.relatesTo, 'urn:uuid:11111111-2222-4333-8444-555555555555');
  assert.equal(answer.matches.length, 1);
  const m = answer.matches[0]!;
  assert.equal(m.endpoint, 'uuid:c9790c3a-701b-464d-a189-0060351c8ada');
  assert.deepEqual(m.types, ['dn:NetworkVideoTransmitter', 'tds:Device']);
  assert.equal(m.onvif, true);
  assert.deepEqual(m.xaddrs, ['http://10.0.0.7/onvif/device_service']);
  assert.ok(m.scopes.includes('onvif://www.onvif.org/name/PREDATOR'));
  assert.equal(m.metadataVersion, 1);
});

test('a type is ONVIF by its namespace, not by its prefix', () => {
  const other = recordedProbeMatches.replace(
    'xmlns:dn="http://www.onvif.org/ver10/network/wsdl"',
    'xmlns:dn="urn:example:not-onvif"',
  );
  assert.equal(parseDiscoveryAnswer(other)!.matches[0]!.onvif, false);
  const renamed = recordedProbeMatches
    .replace('xmlns:dn=', 'xmlns:nvt=')
    .replace('dn:NetworkVideoTransmitter', 'nvt:NetworkVideoTransmitter');
  assert.equal(parseDiscoveryAnswer(renamed)!.matches[0]!.onvif, true);
});

test('what is not a ProbeMatches or ResolveMatches is ignored', () => {
  assert.equal(parseDiscoveryAnswer('lollipop'), null);
  assert.equal(parseDiscoveryAnswer(recordedProbeMatches.slice(0, 400)), null);
  assert.equal(parseDiscoveryAnswer(recordedProbeMatches.replace('/ProbeMatches</', '/Hello</')), null);
  // kadr's own probe, looped back by the multicast socket, is not an answer.
  assert.equal(parseDiscoveryAnswer(buildProbe('urn:uuid:1', 'wsdp:Device')), null);
});

test('Probe and Resolve are well-formed and carry what the responder matches on', () => {
  const probe = parseXml(buildProbe('urn:uuid:a&b', 'dn:NetworkVideoTransmitter'))!;
  assert.equal(probe.local, 'Envelope');
  const xml = buildResolve('urn:uuid:c', 'urn:uuid:<endpoint>');
  assert.ok(parseXml(xml));
  assert.match(xml, /<wsa:Address>urn:uuid:&lt;endpoint&gt;<\/wsa:Address>/);
  // wsdd compares the text of Types with 'wsdp:Device', prefix included.
  assert.match(buildProbe('urn:uuid:d', 'wsdp:Device'), /<wsd:Types>wsdp:Device<\/wsd:Types>/);
});
