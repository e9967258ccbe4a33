// comlink ships the node adapter's types as node-adapter.d.ts, which TypeScript does not pair with the
// .mjs file Node must import.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import nodeEndpoint from 'comlink/dist/esm/node-adapter';
  export default nodeEndpoint;
}
