/**
 * A virgil-sdk `IConnection` built on `fetch`.
 *
 * virgil-sdk's browser build sends requests through a fetch ponyfill that uses
 * XMLHttpRequest, which a MV3 service worker does not have. CardManager builds its
 * CardClient internally, so `useFetchConnection` swaps the client's connection for
 * this one after construction. `fetch` is injectable so tests can serve the card
 * routes in-process.
 */
import type { CardManager } from 'virgil-sdk';
import { ErrorCode, OvercryptError } from '../errors';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Same shape as virgil-sdk's (hidden) `IConnection`. */
export interface CardConnection {
  get(endpoint: string, accessToken: string): Promise<Response>;
  post(endpoint: string, accessToken: string, data?: object): Promise<Response>;
}

export class FetchConnection implements CardConnection {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly fetchFn: FetchLike = (input, init) => globalThis.fetch(input, init),
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  get(endpoint: string, accessToken: string): Promise<Response> {
    return this.send(endpoint, { method: 'GET', headers: this.headers(accessToken) });
  }

  post(endpoint: string, accessToken: string, data: object = {}): Promise<Response> {
    const headers = this.headers(accessToken);
    headers['Content-Type'] = 'application/json';
    return this.send(endpoint, { method: 'POST', headers, body: JSON.stringify(data) });
  }

  private async send(endpoint: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(this.baseUrl + endpoint, init);
    } catch (e) {
      throw new OvercryptError(ErrorCode.Network, 'directory unreachable', { cause: String(e) });
    }
  }

  private headers(accessToken: string): Record<string, string> {
    return { Authorization: `Virgil ${accessToken}` };
  }
}

/** Replaces the CardManager's XMLHttpRequest-based connection with `connection`. */
export function useFetchConnection(manager: CardManager, connection: CardConnection): void {
  // `client.connection` is private readonly in the typings; it is a plain field at runtime.
  (manager.client as unknown as { connection: CardConnection }).connection = connection;
}
