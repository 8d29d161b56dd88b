/**
 * Raw HTTP over a TCP socket: sends a request target byte for byte (no client-side URL normalisation or
 * validation), so tests can send what a hostile page or script would.
 */
import { connect } from 'node:net';

/** The status code of `GET <target>` (0 when the server closed without a status line). */
export function rawGet(port: number, target: string, headers: Record<string, string> = {}): Promise<number> {
  return rawRequest(port, `GET ${target} HTTP/1.1`, { host: `127.0.0.1:${port}`, ...headers });
}

/** Sends a request line and headers; resolves with the response status once the server answers or closes. */
export function rawRequest(port: number, line: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    let settled = false;
    const done = (status: number) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(status);
    };
    socket.on('connect', () => {
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
      socket.write(`${line}\r\n${lines.join('\r\n')}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (match) done(Number(match[1]));
    });
    socket.on('end', () => done(0));
    socket.on('close', () => done(0));
    socket.on('error', (error) => (settled ? undefined : reject(error)));
  });
}
