// One call to dlv's JSON-RPC API (what GoLand's Go Remote speaks): Go's net/rpc JSON codec over TCP,
// a request object out, a newline-terminated response object back.
import { connect } from 'node:net';

export function dlvCall(port: number, method: string, args: object = {}, host = '127.0.0.1'): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(JSON.stringify({ method, params: [args], id: 1 })));
    let received = '';
    socket.setEncoding('utf8');
    socket.setTimeout(30_000, () => {
      socket.destroy();
      reject(new Error(`no answer to ${method} within 30 s; got ${JSON.stringify(received)}`));
    });
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\n');
      if (end < 0) return;
      socket.destroy();
      const answer = JSON.parse(received.slice(0, end)) as { result?: unknown; error?: unknown };
      if (answer.error !== null && answer.error !== undefined) reject(new Error(`${method}: ${String(answer.error)}`));
      else resolve(answer.result);
    });
    socket.on('error', reject);
  });
}
