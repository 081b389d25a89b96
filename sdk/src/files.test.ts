import { describe, expect, it } from 'vitest';
import { readPickedFile, readPickedImage, type WxFileSystemLike } from './files.ts';

function fileSystem(files: Record<string, string>): WxFileSystemLike & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    getFileSystemManager: () => ({
      readFile(options) {
        reads.push(options.filePath);
        const data = files[options.filePath];
        if (data === undefined) options.fail({ errMsg: 'readFile:fail no such file' });
        else options.success({ data });
      },
    }),
  };
}

describe('picked file helpers', () => {
  it('reads an image as base64 with the MIME type of its temp path', async () => {
    const wx = fileSystem({ 'wxfile://tmp_1.png': 'iVBORw0KGgo=' });
    expect(await readPickedImage(wx, { tempFilePath: 'wxfile://tmp_1.png' })).toEqual({
      image: { data: 'iVBORw0KGgo=', mimeType: 'image/png' },
    });
  });

  it('reads a chat file with the MIME type its name implies', async () => {
    const wx = fileSystem({ 'wxfile://f': 'aGVsbG8=' });
    expect(await readPickedFile(wx, { path: 'wxfile://f', name: 'notes.txt' })).toEqual({
      file: { name: 'notes.txt', data: 'aGVsbG8=', mimeType: 'text/plain' },
    });
  });

  it('refuses an oversized file before reading it, and after reading when no size was given', async () => {
    const wx = fileSystem({ 'wxfile://big.png': 'AAAAAAAA' });
    await expect(
      readPickedImage(wx, { tempFilePath: 'wxfile://big.png', size: 10 }, { maxBytes: 5 }),
    ).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(wx.reads).toEqual([]);
    await expect(readPickedImage(wx, { tempFilePath: 'wxfile://big.png' }, { maxBytes: 5 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
  });

  it('maps read failures and unknown file kinds to typed errors', async () => {
    const wx = fileSystem({});
    await expect(readPickedImage(wx, { tempFilePath: 'wxfile://gone.jpg' })).rejects.toMatchObject({
      code: 'FILE_READ_FAILED',
      message: 'readFile:fail no such file',
    });
    await expect(readPickedFile(wx, { path: 'wxfile://x', name: 'tool.exe' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
