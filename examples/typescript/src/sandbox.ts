// A test card for the example. In production a card number never reaches your server: Stripe.js
// or Elements turns it into a `pm_…` id in the browser. Against the gateway's sandbox (a local
// Stripe emulator, `billing-gateway serve` on embedded defaults) this makes that id the same way.

/** The sandbox's test secret key (the main README's walkthrough). */
const SANDBOX_KEY = "sk_test_sandbox";

/** Create a card PaymentMethod at the Stripe sandbox at `sandboxUrl`; returns its `pm_…` id. */
export async function createTestCard(sandboxUrl: string, number = "4242424242424242"): Promise<string> {
  const form = new URLSearchParams({
    type: "card",
    "card[number]": number,
    "card[exp_month]": "12",
    "card[exp_year]": "2030",
    "card[cvc]": "123",
  });
  const url = `${sandboxUrl.replace(/\/$/, "")}/v1/payment_methods`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${SANDBOX_KEY}:`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: form,
    });
  } catch (error) {
    throw new Error(`POST ${url} failed (is the sandbox at ${sandboxUrl}?): ${String(error)}`);
  }
  const body = (await response.json().catch(() => null)) as { id?: unknown } | null;
  if (!response.ok || typeof body?.id !== "string") {
    throw new Error(`POST ${url}: HTTP ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.id;
}
