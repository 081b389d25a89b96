import { FILE_MIME_TYPES, IMAGE_MIME_TYPES } from '../../contract/limits.ts';
import { builder } from '../builder.ts';

const LimitsRef = builder.objectRef<object>('Limits').implement({
  description: 'What a client should check before uploading.',
  fields: (t) => ({
    maxImageBytes: t.int({
      description: 'Decoded bytes per image.',
      resolve: (_l, _a, ctx) => ctx.limits.maxImageBytes,
    }),
    maxFileBytes: t.int({ description: 'Decoded bytes per file.', resolve: (_l, _a, ctx) => ctx.limits.maxFileBytes }),
    maxImages: t.int({ resolve: (_l, _a, ctx) => ctx.limits.maxImages }),
    maxFiles: t.int({ resolve: (_l, _a, ctx) => ctx.limits.maxFiles }),
    imageMimeTypes: t.stringList({ resolve: () => [...IMAGE_MIME_TYPES] }),
    fileMimeTypes: t.stringList({ resolve: () => [...FILE_MIME_TYPES] }),
  }),
});

builder.queryType({
  fields: (t) => ({
    limits: t.field({ type: LimitsRef, resolve: () => ({}) }),
  }),
});
