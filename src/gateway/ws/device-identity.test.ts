import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviceHostDeps, loadOrCreateDeviceIdentity } from './device-identity.ts';

describe('device identity', () => {
  it('is created once (mode 0600) and reloaded with the same device id', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'device-')), 'nested', 'device.json');
    const first = loadOrCreateDeviceIdentity(path);
    expect(first.deviceId).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateDeviceIdentity(path)).toEqual(first);
  });

  it('signs with the identity’s key (Ed25519, base64url) and exposes the raw public key', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'device-')), 'device.json');
    const identity = loadOrCreateDeviceIdentity(path);
    const deps = deviceHostDeps(path);
    const signature = deps.signDevicePayload!(identity.privateKeyPem, 'v3|payload');
    expect(
      verify(
        null,
        Buffer.from('v3|payload'),
        createPublicKey(identity.publicKeyPem),
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true);
    expect(Buffer.from(deps.publicKeyRawBase64UrlFromPem!(identity.publicKeyPem), 'base64url')).toHaveLength(32);
  });

  it('stores, reads and clears the device token beside the identity', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'device-')), 'device.json');
    const deps = deviceHostDeps(path);
    expect(deps.loadDeviceAuthToken!({ deviceId: 'd', role: 'operator' })).toBeNull();
    deps.storeDeviceAuthToken!({ deviceId: 'd', role: 'operator', token: 'tok', scopes: ['operator.read'] });
    expect(deps.loadDeviceAuthToken!({ deviceId: 'd', role: 'operator' })).toEqual({
      token: 'tok',
      scopes: ['operator.read'],
    });
    const tokenFile = path.replace(/\.json$/, '.token.json');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokenFile, 'utf8')).toContain('tok');
    deps.clearDeviceAuthToken!({ deviceId: 'd', role: 'operator' });
    expect(deps.loadDeviceAuthToken!({ deviceId: 'd', role: 'operator' })).toBeNull();
  });
});
