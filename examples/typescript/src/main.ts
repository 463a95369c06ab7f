// The example: a customer with a card, a payment charged to it, the payment read back, and its
// SUCCEEDED status frame received over the `paymentStatusChanged` subscription.
//
//   GATEWAY_API_KEY=… npm start
//
// Environment: GATEWAY_URL (default http://127.0.0.1:8000/graphql), GATEWAY_API_KEY (scopes
// read,write; required), SANDBOX_URL (the Stripe sandbox, default http://127.0.0.1:8420) or
// PAYMENT_METHOD_ID (a `pm_…` id to attach instead, e.g. `pm_card_visa` in Stripe test mode),
// TIMEOUT_SECONDS (default 30). Progress goes to stdout, the result last as one JSON line.
// Exit status: 0 done; 1 any failure (the reason on stderr); 2 bad configuration.
import { randomUUID } from "node:crypto";

import { GatewayError, describe, execute, liveClient, subscribe, type GatewayOptions } from "./client.js";
import {
  AttachPaymentMethodDocument,
  CreateCustomerDocument,
  CreatePaymentDocument,
  PaymentDocument,
  PaymentStatusChangedDocument,
  type PaymentStatusChangedSubscription,
} from "./generated/graphql.js";
import { createTestCard } from "./sandbox.js";

type StatusEvent = PaymentStatusChangedSubscription["paymentStatusChanged"];

interface Settings {
  gateway: GatewayOptions;
  sandboxUrl: string;
  paymentMethodId: string | undefined;
  timeoutMs: number;
}

class ConfigurationError extends Error {}

function settings(env: NodeJS.ProcessEnv): Settings {
  const token = env["GATEWAY_API_KEY"];
  if (!token) throw new ConfigurationError("GATEWAY_API_KEY is not set (make one: billing-gateway api-keys create)");
  const timeout = Number(env["TIMEOUT_SECONDS"] ?? "30");
  if (!Number.isFinite(timeout) || timeout <= 0) throw new ConfigurationError("TIMEOUT_SECONDS must be a positive number");
  return {
    gateway: { url: env["GATEWAY_URL"] ?? "http://127.0.0.1:8000/graphql", token },
    sandboxUrl: env["SANDBOX_URL"] ?? "http://127.0.0.1:8420",
    paymentMethodId: env["PAYMENT_METHOD_ID"] || undefined,
    timeoutMs: timeout * 1000,
  };
}

/** The mutation's payload, or an error naming its userErrors. */
function succeeded<T extends { userErrors: ReadonlyArray<{ code: string; message: string }> }>(
  name: string,
  payload: T,
): T {
  if (payload.userErrors.length > 0) {
    throw new GatewayError(`${name}: ${payload.userErrors.map((e) => `${e.code}: ${e.message}`).join("; ")}`);
  }
  return payload;
}

function present<T>(name: string, value: T | null | undefined): T {
  if (value == null) throw new GatewayError(`${name} answered no object and no userErrors`);
  return value;
}

/** Rejects after `ms` with what was being waited for. */
function deadline(ms: number, what: string): { promise: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GatewayError(`timed out after ${ms / 1000} s waiting for ${what}`)), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

async function run(config: Settings): Promise<Record<string, unknown>> {
  const run = randomUUID(); // one run's idempotency keys: a retried request replays, a new run creates anew
  const { gateway } = config;

  const { createCustomer } = await execute(gateway, CreateCustomerDocument, {
    idempotencyKey: `example-ts-${run}-customer`,
    input: { email: `example-${run.slice(0, 8)}@example.com`, name: "TypeScript Example" },
  });
  const customer = present("createCustomer", succeeded("createCustomer", createCustomer).customer);
  console.log(`customer ${customer.id} (${customer.stripeId})`);

  const stripePaymentMethodId = config.paymentMethodId ?? (await createTestCard(config.sandboxUrl));
  const { attachPaymentMethod } = await execute(gateway, AttachPaymentMethodDocument, {
    idempotencyKey: `example-ts-${run}-card`,
    input: { customerId: customer.id, stripePaymentMethodId, setAsDefault: true },
  });
  const card = present("attachPaymentMethod", succeeded("attachPaymentMethod", attachPaymentMethod).paymentMethod);
  console.log(`card ${card.brand ?? "?"} ${card.last4 ?? "????"} attached as default: ${card.isDefault}`);

  const live = liveClient(gateway);
  try {
    // Subscribed before the payment exists; `after: "0"` also replays this customer's changes
    // already in the event feed, so a frame sent before the server registered us is not lost.
    const watched = (async (): Promise<StatusEvent> => {
      for await (const frame of subscribe(live, PaymentStatusChangedDocument, { customerId: customer.id, after: "0" })) {
        const event = frame.paymentStatusChanged;
        console.log(`frame: payment ${event.payment?.id ?? "?"} ${event.previousStatus ?? "-"} -> ${event.status}`);
        if (event.status === "SUCCEEDED") return event;
      }
      throw new GatewayError("the subscription completed before a SUCCEEDED frame");
    })();
    watched.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"

    const { createPayment } = await execute(gateway, CreatePaymentDocument, {
      idempotencyKey: `example-ts-${run}-payment`,
      input: { customerId: customer.id, amount: 2000, currency: "usd", description: "TypeScript example" },
    });
    const created = present("createPayment", succeeded("createPayment", createPayment).payment);
    console.log(`payment ${created.id} (${created.stripeId}) created: ${created.status}`);

    const { payment } = await execute(gateway, PaymentDocument, { id: created.id });
    const readBack = present("payment", payment);
    console.log(`payment read back: ${readBack.status}, ${readBack.amount} ${readBack.currency}`);

    const timeout = deadline(config.timeoutMs, "the SUCCEEDED frame");
    let event: StatusEvent;
    try {
      event = await Promise.race([watched, timeout.promise]);
    } finally {
      timeout.cancel();
    }
    if (event.payment?.id !== created.id) {
      throw new GatewayError(`SUCCEEDED frame for payment ${event.payment?.id ?? "(none)"}, not ${created.id}`);
    }
    return {
      customerId: customer.id,
      paymentId: created.id,
      stripePaymentId: created.stripeId,
      readBackStatus: readBack.status,
      eventId: event.eventId,
      status: event.status,
    };
  } finally {
    await live.dispose();
  }
}

async function main(): Promise<number> {
  let config: Settings;
  try {
    config = settings(process.env);
  } catch (error) {
    console.error(`configuration: ${describe(error)}`);
    return 2;
  }
  try {
    const result = await run(config);
    console.log(JSON.stringify(result));
    return 0;
  } catch (error) {
    console.error(`failed: ${describe(error)}`);
    return 1;
  }
}

process.exitCode = await main();
