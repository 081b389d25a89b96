/** Shared with the server, so the SDK infers exactly the types the server accepts (chooseMessageFile gives no MIME). */
export { mimeTypeFromFileName } from '../../src/contract/limits.ts';
