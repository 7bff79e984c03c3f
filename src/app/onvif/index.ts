export { OnvifService } from './onvif.service.js';
export type {
  OnvifDiscoverInput,
  OnvifDeviceInput,
  OnvifDeviceDto,
  OnvifProfileDto,
  OnvifCameraInput,
  OnvifCameraDto,
} from './onvif.service.js';
export { DISCOVERY_TIMEOUT_MS, ONVIF_TIMEOUT_MS } from '../../onvif/index.js';
