import { randomBytes } from 'node:crypto';

/** Opaque, unguessable ids (128 random bits), prefixed by kind so logs and support requests stay readable. */
export const newId = (prefix: 'c' | 'm' | 'a'): string => `${prefix}_${randomBytes(16).toString('base64url')}`;
