// @kubernetes/client-node, loaded on first use: importing it costs more start-up time than the rest
// of the engine together, and many sessions (or the first requests of one) never need it.
export type ClientNode = typeof import('@kubernetes/client-node');

let loading: Promise<ClientNode> | undefined;

export function clientNode(): Promise<ClientNode> {
  loading ??= import('@kubernetes/client-node');
  return loading;
}
