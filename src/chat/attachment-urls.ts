import { createHmac, timingSafeEqual } from 'node:crypto';

export interface AttachmentUrlOptions {
  /** HMAC key; every instance behind one load balancer must share it. */
  secret: string;
  ttlSeconds: number;
  /** Prefix for absolute URLs (a mini-program's `<image src>` needs one); relative `/attachments/…` when empty. */
  publicBaseUrl: string;
}

export const ATTACHMENT_ROUTE = '/attachments/:id';
const SIG_BYTES = 24;

/**
 * Signed, expiring attachment URLs. A mini-program's `<image>` cannot send headers, so the URL is the
 * credential: HMAC-SHA256 over id and expiry, minted only for the attachment's owner, valid for minutes.
 */
export class AttachmentUrls {
  readonly #options: AttachmentUrlOptions;

  constructor(options: AttachmentUrlOptions) {
    this.#options = options;
  }

  #sign(id: string, expires: number): Buffer {
    return createHmac('sha256', this.#options.secret).update(`${id}.${expires}`).digest().subarray(0, SIG_BYTES);
  }

  mint(id: string, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + this.#options.ttlSeconds;
    const sig = this.#sign(id, expires).toString('base64url');
    return `${this.#options.publicBaseUrl.replace(/\/$/, '')}/attachments/${encodeURIComponent(id)}?e=${expires}&s=${sig}`;
  }

  /** Seconds the URL stays valid, or undefined when its signature is wrong or it has expired. */
  verify(id: string, expires: string | undefined, sig: string | undefined, now = Date.now()): number | undefined {
    if (!expires || !sig || !/^\d{1,12}$/.test(expires) || sig.length > 64) return undefined;
    const left = Number(expires) - Math.floor(now / 1000);
    if (left <= 0) return undefined;
    const given = Buffer.from(sig, 'base64url');
    const expected = this.#sign(id, Number(expires));
    return given.length === expected.length && timingSafeEqual(given, expected) ? left : undefined;
  }
}
