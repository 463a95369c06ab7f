// Subscribes to paymentStatusChanged(customerId) with the graphql-ws npm client (the one
// browsers use), driven by Node. Used by tests/e2e/test_live_node.py.
//
//   node tests/node/subscribe.mjs <ws-url> <api-key-or-session-token> <customerId>
//
// stdout, one JSON object a line:
//   {"event":"connected"}            connection_ack received
//   {"event":"subscribed"}           the `subscribe` message has been sent
//   {"data":{...}} / {"errors":[…]}  each `next` payload, as received
// Exits 0 after the first payload whose status is SUCCEEDED; 1 on an error payload, a
// socket error or close, or no SUCCEEDED within 20 s; 2 on bad arguments; 3 when the npm
// packages are missing (run `npm ci --prefix tests/node`).

const TIMEOUT_MS = 20_000;

const QUERY = `
subscription Watch($customerId: ID) {
  paymentStatusChanged(customerId: $customerId) {
    eventId occurredAt status previousStatus payment { id stripeId status amount }
  }
}`;

const [url, token, customerId] = process.argv.slice(2);
if (!url || !token || !customerId) {
  process.stderr.write("usage: node subscribe.mjs <ws-url> <token> <customerId>\n");
  process.exit(2);
}

let createClient;
let WebSocket;
try {
  ({ createClient } = await import("graphql-ws"));
  ({ default: WebSocket } = await import("ws"));
} catch (error) {
  process.stderr.write(
    `subscribe.mjs: the npm packages are missing (${error.message}); run \`npm ci --prefix tests/node\`\n`,
  );
  process.exit(3);
}

const emit = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

let finished = false;
let client;
function finish(code, message) {
  if (finished) return;
  finished = true;
  if (message) process.stderr.write(`subscribe.mjs: ${message}\n`);
  clearTimeout(timer);
  // Let stdout drain, then leave whatever the socket is doing.
  process.stdout.write("", () => {
    Promise.resolve(client?.dispose()).finally(() => process.exit(code));
    setTimeout(() => process.exit(code), 1000).unref();
  });
}

const timer = setTimeout(() => finish(1, `no SUCCEEDED within ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);

client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: {
    connected: () => {
      emit({ event: "connected" });
      // The client sends the pending `subscribe` right after the ack, in this same turn.
      setImmediate(() => emit({ event: "subscribed" }));
    },
    closed: (event) => {
      if (!finished) finish(1, `socket closed: code ${event?.code} ${event?.reason ?? ""}`.trim());
    },
    error: (error) => finish(1, `socket error: ${error?.message ?? error}`),
  },
});

client.subscribe(
  { query: QUERY, variables: { customerId } },
  {
    next: (payload) => {
      emit(payload);
      if (payload.errors) {
        finish(1, "error payload");
      } else if (payload.data?.paymentStatusChanged?.status === "SUCCEEDED") {
        finish(0);
      }
    },
    error: (error) => {
      const detail = Array.isArray(error) ? JSON.stringify(error) : (error?.message ?? String(error?.code ?? error));
      finish(1, `subscription error: ${detail}`);
    },
    complete: () => finish(1, "subscription completed before SUCCEEDED"),
  },
);
