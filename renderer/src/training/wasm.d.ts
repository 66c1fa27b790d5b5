// Vite turns `import url from '….wasm?url'` into the URL of the emitted file (see train.worker.ts).
declare module '*.wasm?url' {
  const url: string;
  export default url;
}
