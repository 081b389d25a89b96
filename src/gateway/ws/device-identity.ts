import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DeviceIdentity, GatewayClientHostDeps } from '@openclaw/gateway-client';

/** An Ed25519 SPKI DER key is a fixed 12-byte header followed by the 32 raw key bytes. */
function rawPublicKey(publicKeyPem: string): Buffer {
  return createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' }).subarray(-32);
}

function writePrivate(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
  chmodSync(path, 0o600);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The device identity in `path`, created (mode 0600) on first use: the gateway pairs the key, not the process. */
export function loadOrCreateDeviceIdentity(path: string): DeviceIdentity {
  const stored = readJson(path) as Partial<DeviceIdentity> | undefined;
  if (stored?.privateKeyPem && stored.publicKeyPem) {
    createPrivateKey(stored.privateKeyPem);
    const deviceId = createHash('sha256').update(rawPublicKey(stored.publicKeyPem)).digest('hex');
    return { deviceId, privateKeyPem: stored.privateKeyPem, publicKeyPem: stored.publicKeyPem };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const identity = {
    deviceId: createHash('sha256').update(rawPublicKey(publicKeyPem)).digest('hex'),
    privateKeyPem,
    publicKeyPem,
  };
  writePrivate(path, identity);
  return identity;
}

/** Signing and the device-token store the gateway client leaves to its host; the token lives beside the identity. */
export function deviceHostDeps(identityPath: string): GatewayClientHostDeps {
  const tokenPath = identityPath.replace(/(\.json)?$/, '.token.json');
  type Tokens = Record<string, { token: string; scopes: string[] }>;
  const load = () => (readJson(tokenPath) as Tokens | undefined) ?? {};
  const keyOf = (deviceId: string, role: string) => `${deviceId}:${role}`;
  return {
    signDevicePayload: (privateKeyPem, payload) =>
      sign(null, Buffer.from(payload, 'utf8'), createPrivateKey(privateKeyPem)).toString('base64url'),
    publicKeyRawBase64UrlFromPem: (publicKeyPem) => rawPublicKey(publicKeyPem).toString('base64url'),
    loadDeviceAuthToken: ({ deviceId, role }) => load()[keyOf(deviceId, role)] ?? null,
    storeDeviceAuthToken: ({ deviceId, role, token, scopes }) =>
      writePrivate(tokenPath, { ...load(), [keyOf(deviceId, role)]: { token, scopes } }),
    clearDeviceAuthToken: ({ deviceId, role }) => {
      const { [keyOf(deviceId, role)]: _dropped, ...rest } = load();
      writePrivate(tokenPath, rest);
    },
  };
}
