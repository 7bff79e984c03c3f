/**
 * Camera credentials at rest: `user:password` sealed with AES-256-GCM (NIST SP 800-38D), so that a
 * dump of the database alone does not reveal them. The key is KADR_SECRET_KEY; without it, kadr with
 * its embedded database keeps a random key in a file beside (not inside) the database folder, made
 * on first need with mode 0600; with an external DATABASE_URL there is no safe place of its own to
 * keep one, so a camera with credentials is refused until the key is set (docs/cameras.md).
 *
 * Sealed layout: version byte 1 | 12-byte IV | 16-byte tag | ciphertext. The camera's id is the
 * additional authenticated data: a sealed value copied onto another camera's row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, open, readFile, stat } from 'node:fs/promises';
import { KadrError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Credentials {
  user: string;
  password: string;
}

export interface CameraSecretsOptions {
  /** KADR_SECRET_KEY, when set. */
  key: Buffer | undefined;
  /** Where to keep a generated key when KADR_SECRET_KEY is unset; undefined: none may be generated. */
  keyFile: string | undefined;
  log: Logger;
}

const aad = (cameraId: string) => Buffer.from(`kadr camera ${cameraId}`, 'utf8');

export class CameraSecrets {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly options: CameraSecretsOptions) {}

  async seal(cameraId: string, credentials: Credentials): Promise<Buffer> {
    const key = await this.getKey(true);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(cameraId));
    const body = Buffer.concat([
      cipher.update(`${credentials.user}:${credentials.password}`, 'utf8'),
      cipher.final(),
    ]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  async open(cameraId: string, sealed: Buffer): Promise<Credentials> {
    // Never a new key to open old values: a fresh key file would only hide that the old one is gone.
    const key = await this.getKey(false);
    const cannot = (why: string) =>
      new KadrError('KADR_ERR_CONFIG', `the credentials of camera ${cameraId} cannot be decrypted: ${why}`, {
        hint: 'set KADR_SECRET_KEY to the key they were stored with, or give the camera its user and password again',
      });
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) throw cannot('unknown format');
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(aad(cameraId));
    decipher.setAuthTag(tag);
    let plain: string;
    try {
      plain = Buffer.concat([
        decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw cannot('the key is not the one they were stored with');
    }
    const colon = plain.indexOf(':');
    return { user: plain.slice(0, colon), password: plain.slice(colon + 1) };
  }

  private getKey(create: boolean): Promise<Buffer> {
    // A failed attempt is not kept: the operator may fix the file or the variable and try again.
    this.key ??= this.resolveKey(create).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async resolveKey(create: boolean): Promise<Buffer> {
    if (this.options.key) return this.options.key;
    const file = this.options.keyFile;
    if (file === undefined) {
      throw new KadrError(
        'KADR_ERR_CONFIG',
        'camera credentials need KADR_SECRET_KEY: it is not set, and with an external database kadr keeps no key of its own',
        {
          hint: 'set KADR_SECRET_KEY to 32 random bytes (openssl rand -base64 32) on every kadr node, or add the camera without credentials',
        },
      );
    }
    return readOrCreateKeyFile(file, this.options.log, create);
  }
}

async function readOrCreateKeyFile(file: string, log: Logger, create: boolean): Promise<Buffer> {
  if (!create) {
    try {
      return await readKeyFile(file, log);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new KadrError('KADR_ERR_CONFIG', `the key file ${file} is missing`, {
        hint: 'restore it from a backup or set KADR_SECRET_KEY to the key, or give the cameras their credentials again',
      });
    }
  }
  const key = randomBytes(32);
  try {
    // 'wx': two processes racing here cannot both write a key; the loser reads the winner's.
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(`${key.toString('base64')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(file, 0o600);
    log.warn(
      'created a key for camera credentials; keep it with the database backups, or set KADR_SECRET_KEY',
      {
        keyFile: file,
      },
    );
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new KadrError(
        'KADR_ERR_CONFIG',
        `cannot create the key file ${file}: ${(error as Error).message}`,
        {
          hint: 'set KADR_SECRET_KEY, or make the data folder writable',
        },
      );
    }
  }
  return readKeyFile(file, log);
}

async function readKeyFile(file: string, log: Logger): Promise<Buffer> {
  const text = (await readFile(file, 'utf8')).trim();
  const existing = Buffer.from(text, 'base64');
  if (existing.length !== 32 || existing.toString('base64') !== text) {
    throw new KadrError('KADR_ERR_CONFIG', `the key file ${file} does not hold a 32-byte base64 key`, {
      hint: 'restore it from a backup, or set KADR_SECRET_KEY',
    });
  }
  if (((await stat(file)).mode & 0o077) !== 0) {
    log.warn('the key file for camera credentials can be read by other users; chmod 600 it', {
      keyFile: file,
    });
  }
  return existing;
}
