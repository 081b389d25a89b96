import type { FastifyInstance } from 'fastify';
import { ATTACHMENT_ROUTE } from '../chat/attachment-urls.ts';
import type { Conversations } from '../chat/conversations.ts';

export interface AttachmentRouteOptions {
  conversations: Conversations;
}

/**
 * `GET /attachments/:id?e=…&s=…`: a stored attachment behind a signed, expiring URL (no API key: the URL is the
 * credential, since a mini-program's `<image>` cannot send headers). Bad, expired and foreign links are all 404.
 */
export function registerAttachmentRoute(app: FastifyInstance, options: AttachmentRouteOptions): void {
  app.get<{ Params: { id: string }; Querystring: { e?: string; s?: string } }>(
    ATTACHMENT_ROUTE,
    async (request, reply) => {
      const { e, s } = request.query;
      const { attachment, maxAgeSeconds } = await options.conversations.attachment(request.params.id, e, s);
      const filename = encodeURIComponent(attachment.name ?? attachment.id);
      return reply
        .header('content-type', attachment.mimeType)
        .header('content-length', attachment.bytes.length)
        .header('cache-control', `private, max-age=${maxAgeSeconds}`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header(
          'content-disposition',
          `${attachment.kind === 'image' ? 'inline' : 'attachment'}; filename*=UTF-8''${filename}`,
        )
        .send(Buffer.from(attachment.bytes.buffer, attachment.bytes.byteOffset, attachment.bytes.byteLength));
    },
  );
}
