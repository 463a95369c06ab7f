// A small typed client: each call takes a generated TypedDocumentNode, so its variables and its
// result are the generated types of that operation (src/generated/graphql.ts).
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type ExecutionResult } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export class GatewayError extends Error {
  override name = "GatewayError";
}

export interface GatewayOptions {
  /** The gateway's GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql. */
  url: string;
  /** An API key (`billing-gateway api-keys create`) or a customer session token. */
  token: string;
}

/** One query or mutation over HTTP POST; a GraphQL error (or a non-2xx answer) throws. */
export async function execute<TResult, TVariables>(
  options: GatewayOptions,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        authorization: `Bearer ${options.token}`,
      },
      body: JSON.stringify({ query: print(document), variables }),
    });
  } catch (error) {
    throw new GatewayError(`POST ${options.url} failed: ${describe(error)}`);
  }
  const text = await response.text();
  let body: ExecutionResult<TResult>;
  try {
    body = JSON.parse(text) as ExecutionResult<TResult>;
  } catch {
    throw new GatewayError(`POST ${options.url}: HTTP ${response.status}, not JSON: ${text.slice(0, 300)}`);
  }
  if (body.errors?.length) {
    throw new GatewayError(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  }
  if (!response.ok || body.data == null) {
    throw new GatewayError(`POST ${options.url}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
  return body.data;
}

/** The graphql-transport-ws endpoint of an HTTP GraphQL URL (http→ws, https→wss). */
export function webSocketUrl(url: string): string {
  return url.replace(/^http/, "ws");
}

/** A graphql-ws client authenticated like the HTTP calls (`connection_init` payload). */
export function liveClient(options: GatewayOptions): Client {
  return createClient({
    url: webSocketUrl(options.url),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${options.token}` },
    retryAttempts: 0,
    lazy: true,
  });
}

/**
 * The frames of one subscription as an async iterator of typed results. A GraphQL error frame
 * throws; so does the socket closing. Leaving the `for await` loop completes the subscription.
 */
export async function* subscribe<TResult, TVariables extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): AsyncGenerator<TResult, void, undefined> {
  const frames = client.iterate<TResult>({ query: print(document), variables });
  try {
    for await (const frame of frames) {
      if (frame.errors?.length) {
        throw new GatewayError(`subscription error: ${JSON.stringify(frame.errors)}`);
      }
      if (frame.data == null) {
        throw new GatewayError("subscription frame without data");
      }
      yield frame.data;
    }
  } catch (error) {
    throw error instanceof GatewayError ? error : new GatewayError(`subscription failed: ${describe(error)}`);
  } finally {
    await frames.return?.(undefined);
  }
}

export function describe(error: unknown): string {
  if (Array.isArray(error)) return JSON.stringify(error); // graphql-ws: the errors of an `error` message
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  if (typeof error === "object" && error !== null && "code" in error) {
    // graphql-ws rejects with the CloseEvent when the socket closes.
    const close = error as { code: unknown; reason?: unknown };
    return `socket closed: code ${String(close.code)} ${String(close.reason ?? "")}`.trim();
  }
  return String(error);
}
