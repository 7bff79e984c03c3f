export {
  discover,
  bindAddressOf,
  checkDiscoveryTimeout,
  DISCOVERY_TIMEOUT_MS,
  type DiscoverOptions,
  type DiscoveredDevice,
} from './ws-discovery.js';
export {
  buildProbe,
  buildResolve,
  parseDiscoveryAnswer,
  newMessageId,
  WSD_MULTICAST,
  type DiscoveryAnswer,
  type DiscoveryMatch,
  type ProbeType,
} from './ws-discovery-message.js';
export {
  OnvifDevice,
  parseXAddr,
  checkOnvifTimeout,
  ONVIF_TIMEOUT_MS,
  type OnvifCredentials,
  type OnvifDeviceInfo,
  type OnvifProfile,
  type OnvifConnectOptions,
} from './onvif-device.js';
