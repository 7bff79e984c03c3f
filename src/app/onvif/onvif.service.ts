/**
 * ONVIF use cases: discover devices on the server's network, look at one device (information and
 * media profiles with their stream and snapshot URIs), and add a device's stream as a camera in one
 * step. The camera is created through CamerasService like any other, so its credentials are sealed
 * the same way (docs/onvif.md, docs/cameras.md).
 */
import { isKadrError, KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import {
  discover,
  OnvifDevice,
  type DiscoveredDevice,
  type OnvifDeviceInfo,
  type OnvifProfile,
} from '../../onvif/index.js';
import type { CamerasService } from '../cameras/cameras.service.js';
import type { CameraDto } from '../cameras/camera.dto.js';
import { checkName, checkPassword, checkUser } from '../cameras/camera-fields.js';

export interface OnvifDiscoverInput {
  timeoutMs?: number | undefined;
  bind?: string | undefined;
  onvifOnly?: boolean | undefined;
}

export interface OnvifDeviceInput {
  xaddr: string;
  user?: string | undefined;
  password?: string | undefined;
  timeoutMs?: number | undefined;
}

export interface OnvifProfileDto extends OnvifProfile {
  streamUri: string | null;
  snapshotUri: string | null;
}

export interface OnvifDeviceDto {
  xaddr: string;
  info: OnvifDeviceInfo;
  profiles: OnvifProfileDto[];
}

export interface OnvifCameraInput extends OnvifDeviceInput {
  name: string;
  /** A profile token or name; the first profile with a video encoder when absent. */
  profile?: string | undefined;
  transport?: 'tcp' | 'udp' | undefined;
  record?: boolean | undefined;
  onDemand?: boolean | undefined;
}

export interface OnvifCameraDto {
  camera: CameraDto;
  device: { xaddr: string; info: OnvifDeviceInfo; profile: OnvifProfileDto };
}

/** Discoveries at once: each holds a socket for its timeout; more are refused, not queued. */
const MAX_DISCOVERIES = 4;

export class OnvifService {
  private discovering = 0;

  constructor(
    private readonly cameras: CamerasService,
    private readonly log: Logger,
  ) {}

  async discover(input: OnvifDiscoverInput): Promise<DiscoveredDevice[]> {
    if (this.discovering >= MAX_DISCOVERIES) {
      throw new KadrError('KADR_ERR_CONFLICT', `${MAX_DISCOVERIES} discoveries are already running`, {
        hint: 'wait for one to end (each lasts its timeout)',
      });
    }
    this.discovering++;
    try {
      const devices = await discover({ ...input, log: this.log });
      this.log.info('onvif discovery', {
        bind: input.bind ?? null,
        found: devices.length,
        onvif: devices.filter((d) => d.onvif).length,
      });
      return devices;
    } finally {
      this.discovering--;
    }
  }

  async device(input: OnvifDeviceInput): Promise<OnvifDeviceDto> {
    const device = await this.connect(input);
    const info = await device.info();
    const profiles: OnvifProfileDto[] = [];
    for (const p of await device.profiles()) {
      try {
        profiles.push(await this.withUris(device, p));
      } catch (error) {
        // A profile without a stream (audio or metadata only) is listed without one; what is wrong
        // with the device as a whole (credentials, reachability) still fails the call.
        if (!isKadrError(error, 'KADR_ERR_ONVIF_FAULT')) throw error;
        profiles.push({ ...p, streamUri: null, snapshotUri: null });
      }
    }
    return { xaddr: input.xaddr, info, profiles };
  }

  async addCamera(input: OnvifCameraInput): Promise<OnvifCameraDto> {
    const name = checkName(input.name);
    const device = await this.connect(input);
    const info = await device.info();
    const profiles = await device.profiles();
    const chosen = chooseProfile(profiles, input.profile);
    const profile = await this.withUris(device, chosen);
    const camera = await this.cameras.create({
      name,
      url: profile.streamUri!,
      transport: input.transport,
      record: input.record,
      onDemand: input.onDemand,
      user: input.user || undefined,
      password: input.user ? input.password : undefined,
    });
    this.log.info('onvif camera added', { id: camera.id, name, xaddr: input.xaddr, profile: profile.token });
    return { camera, device: { xaddr: input.xaddr, info, profile } };
  }

  private async connect(input: OnvifDeviceInput): Promise<OnvifDevice> {
    if (input.user !== undefined && input.user !== '') checkUser(input.user);
    if (input.password !== undefined) checkPassword(input.password);
    return OnvifDevice.connect(
      input.xaddr,
      { user: input.user, password: input.password },
      { timeoutMs: input.timeoutMs, log: this.log },
    );
  }

  private async withUris(device: OnvifDevice, p: OnvifProfile): Promise<OnvifProfileDto> {
    return {
      ...p,
      streamUri: await device.streamUri(p.token),
      snapshotUri: await device.snapshotUri(p.token),
    };
  }
}

function chooseProfile(profiles: OnvifProfile[], wanted: string | undefined): OnvifProfile {
  const choice =
    wanted === undefined
      ? (profiles.find((p) => p.encoding !== null) ?? profiles[0])
      : (profiles.find((p) => p.token === wanted) ?? profiles.find((p) => p.name === wanted));
  if (!choice) {
    const list = profiles.map((p) => `${p.token} (${p.name}, ${p.encoding ?? 'no video'})`).join(', ');
    throw new KadrError(
      'KADR_ERR_VALIDATION',
      wanted === undefined
        ? 'the ONVIF device has no media profile'
        : `the ONVIF device has no profile '${wanted}'`,
      { hint: list ? `its profiles: ${list}` : 'configure a media profile on the device' },
    );
  }
  return choice;
}
