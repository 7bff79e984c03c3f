/** Request and response schemas of /api/onvif (TypeBox; they also generate the OpenAPI document). */
import { Type, type Static } from '@sinclair/typebox';
import {
  CAMERA_NAME,
  CAMERA_NAME_RULE,
  CREDENTIAL_MAX_LENGTH,
  DISCOVERY_TIMEOUT_MS,
  ONVIF_TIMEOUT_MS,
  URL_MAX_LENGTH,
} from '../app/index.js';

export const OnvifDiscoverBody = Type.Object(
  {
    timeoutMs: Type.Optional(
      Type.Integer({
        minimum: DISCOVERY_TIMEOUT_MS.min,
        maximum: DISCOVERY_TIMEOUT_MS.max,
        description: `how long to wait for answers (default ${DISCOVERY_TIMEOUT_MS.default})`,
      }),
    ),
    bind: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: "the server's interface to probe from: an IPv4 address of it or an interface name",
      }),
    ),
    onvifOnly: Type.Optional(
      Type.Boolean({ description: 'only ONVIF NetworkVideoTransmitters (cameras, encoders); default false' }),
    ),
  },
  { additionalProperties: false },
);
export type OnvifDiscoverBody = Static<typeof OnvifDiscoverBody>;

const DiscoveredDevice = Type.Object({
  endpoint: Type.String({ description: 'the endpoint reference address, the device id (urn:uuid:...)' }),
  types: Type.Array(Type.String(), {
    description: 'WS-Discovery types as sent, e.g. dn:NetworkVideoTransmitter',
  }),
  onvif: Type.Boolean({ description: 'an ONVIF NetworkVideoTransmitter (a camera or encoder)' }),
  scopes: Type.Array(Type.String()),
  xaddrs: Type.Array(Type.String(), { description: 'service URLs; for ONVIF the device service to add' }),
  metadataVersion: Type.Union([Type.Integer(), Type.Null()]),
  from: Type.String({ description: 'the address the answer came from' }),
});

export const OnvifDiscoverList = Type.Object({ items: Type.Array(DiscoveredDevice) });

const XAddr = Type.String({
  minLength: 1,
  maxLength: URL_MAX_LENGTH,
  description:
    'the device service URL (an XAddr from discovery), e.g. http://192.168.1.64/onvif/device_service',
});
const deviceFields = {
  xaddr: XAddr,
  user: Type.Optional(
    Type.String({ maxLength: CREDENTIAL_MAX_LENGTH, description: 'an ONVIF user of the device' }),
  ),
  password: Type.Optional(Type.String({ maxLength: CREDENTIAL_MAX_LENGTH })),
  timeoutMs: Type.Optional(
    Type.Integer({
      minimum: ONVIF_TIMEOUT_MS.min,
      maximum: ONVIF_TIMEOUT_MS.max,
      description: `deadline of each SOAP call (default ${ONVIF_TIMEOUT_MS.default})`,
    }),
  ),
};

export const OnvifDeviceBody = Type.Object(deviceFields, { additionalProperties: false });
export type OnvifDeviceBody = Static<typeof OnvifDeviceBody>;

export const OnvifCameraBody = Type.Object(
  {
    ...deviceFields,
    name: Type.String({ pattern: CAMERA_NAME.source, description: `the camera's name: ${CAMERA_NAME_RULE}` }),
    profile: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'a media profile token or name; default the first with a video encoder',
      }),
    ),
    transport: Type.Optional(Type.Union([Type.Literal('tcp'), Type.Literal('udp')])),
    record: Type.Optional(Type.Boolean()),
    onDemand: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type OnvifCameraBody = Static<typeof OnvifCameraBody>;

const DeviceInfo = Type.Object({
  manufacturer: Type.String(),
  model: Type.String(),
  firmwareVersion: Type.String(),
  serialNumber: Type.String(),
  hardwareId: Type.String(),
});

const Profile = Type.Object({
  token: Type.String(),
  name: Type.String(),
  encoding: Type.Union([Type.String(), Type.Null()]),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  frameRateLimit: Type.Union([Type.Number(), Type.Null()]),
  streamUri: Type.Union([Type.String(), Type.Null()], { description: 'RTSP URI of the profile' }),
  snapshotUri: Type.Union([Type.String(), Type.Null()], {
    description: 'JPEG snapshot URI, when the device has one',
  }),
});

export const OnvifDevice = Type.Object({
  xaddr: Type.String(),
  info: DeviceInfo,
  profiles: Type.Array(Profile),
});

export const OnvifCamera = Type.Object({
  camera: Type.Ref('Camera'),
  device: Type.Object({ xaddr: Type.String(), info: DeviceInfo, profile: Profile }),
});
