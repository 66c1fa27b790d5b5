// A TCP relay on loopback for "pulled network" tests: a client connects to the relay's port and
// its bytes go to the target port untouched (TLS passes through). pull() cuts every connection and
// refuses new ones (as a pulled cable or a closed port does) until plug().
import { createServer, connect, type Server, type Socket } from 'node:net';

export class NetProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private pulled = false;
  port = 0;

  constructor(private readonly target: number) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => {
      if (this.pulled) {
        client.destroy();
        return;
      }
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Cuts every connection now and refuses new ones. */
  pull(): void {
    this.pulled = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  plug(): void {
    this.pulled = false;
  }

  async stop(): Promise<void> {
    this.pull();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
