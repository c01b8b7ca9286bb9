// Official SDK clients a test opens over Streamable HTTP, all ended by close() (in afterEach).
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

export class HttpClients {
  private readonly open: Client[] = [];

  /** A client connected (initialized) to `url`, with a bearer token when given. */
  async connect(url: URL, options: { token?: string | undefined; name?: string; version?: string } = {}): Promise<Client> {
    const client = new Client({ name: options.name ?? "gateway-test", version: options.version ?? "1.0.0" });
    this.open.push(client);
    const requestInit = options.token ? { headers: { authorization: `Bearer ${options.token}` } } : undefined;
    await client.connect(new StreamableHTTPClientTransport(url, requestInit ? { requestInit } : {}));
    return client;
  }

  async close(): Promise<void> {
    await Promise.all(this.open.splice(0).map((client) => client.close().catch(() => undefined)));
  }
}
