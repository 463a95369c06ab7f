// graphql-http's server audits (GraphQL over HTTP) against one gateway, authenticated with an API key.
//   node tests/graphql_http/audit.mjs <graphql url>     (the key in GATEWAY_API_KEY)
// Prints one JSON line per audit: {"id", "name", "status": "ok" | "notice" | "warn" | "error", "reason"}.
import { auditServer } from "graphql-http"; // lib/audits, re-exported by the package

const [url] = process.argv.slice(2);
const key = process.env.GATEWAY_API_KEY;
if (!url || !key) {
  console.error("usage: GATEWAY_API_KEY=<key> node audit.mjs <graphql url>");
  process.exit(2);
}

// Every request of the audits carries the key: the gateway answers 401 to anything without one.
function fetchWithKey(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${key}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: fetchWithKey });
for (const { id, name, status, reason } of results) {
  console.log(JSON.stringify({ id, name, status, reason: reason ?? null }));
}
