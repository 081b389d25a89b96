import type { AttachmentLimits } from '../../contract/limits.ts';
import { DEFAULT_WS_POLICY } from './connection.ts';

/**
 * Over ws an image may be at most the gateway's `maxImageBytes`, a file its `attachments.maxBytes`, and the whole
 * frame its `maxPayload` (the documented policy; the live hello-ok policy is checked again at send time).
 */
export function effectiveLimits(configured: AttachmentLimits): AttachmentLimits {
  return {
    ...configured,
    maxImageBytes: Math.min(configured.maxImageBytes, DEFAULT_WS_POLICY.maxImageBytes),
    maxFileBytes: Math.min(configured.maxFileBytes, DEFAULT_WS_POLICY.maxFileBytes),
    maxUpstreamBodyBytes: DEFAULT_WS_POLICY.maxPayload,
  };
}
