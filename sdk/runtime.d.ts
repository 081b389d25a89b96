// The globals a mini-program logic layer has besides the ECMAScript built-ins (wx is passed in or declared per use).
// sdk/tsconfig.json compiles against only these, so a stray `fetch`, `TextDecoder` or `Buffer` fails to typecheck.
declare function setTimeout(callback: () => void, ms?: number): number;
declare function clearTimeout(id: number | undefined): void;
