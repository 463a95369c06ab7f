// The operator console: a client of the public GraphQL API only (POST /graphql and
// graphql-transport-ws on /graphql), authenticated by its HttpOnly session cookie.
// Every POST echoes the session's CSRF token (from the page's <meta>); nothing is stored
// in localStorage or sessionStorage. docs/console.md describes the pages.
"use strict";

(function () {
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  const FEED_ROWS = 200;
  const FLUSH_MS = 250;

  // --- helpers -------------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function newKey() {
    // One idempotency key per intended action (crypto.randomUUID needs a secure context).
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function fractionDigits(currency) {
    try {
      return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
    } catch (e) {
      return 2;
    }
  }

  function money(minor, currency) {
    if (minor === null || minor === undefined) return "";
    const code = (currency || "usd").toUpperCase();
    const digits = fractionDigits(code);
    try {
      return new Intl.NumberFormat("en", { style: "currency", currency: code }).format(minor / 10 ** digits);
    } catch (e) {
      return `${minor} ${code}`;
    }
  }

  function when(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    return el("time", { datetime: iso, text: date.toLocaleString() });
  }

  function setMessage(id, text, bad) {
    const node = $(id);
    node.textContent = text;
    node.className = bad ? "error" : "";
  }

  class GraphQLFailure extends Error {}

  async function gql(query, variables) {
    const answer = await fetch("/graphql", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
        "X-CSRF-Token": CSRF,
      },
      body: JSON.stringify({ query, variables: variables || {} }),
    });
    if (answer.status === 401) {
      window.location.assign("/console");
      throw new GraphQLFailure("signed out");
    }
    let body;
    try {
      body = await answer.json();
    } catch (e) {
      throw new GraphQLFailure(`HTTP ${answer.status}`);
    }
    if (body.errors && body.errors.length) {
      const first = body.errors[0];
      const code = first.extensions && first.extensions.code;
      throw new GraphQLFailure(code ? `${first.message} (${code})` : first.message);
    }
    if (!answer.ok && !body.data) throw new GraphQLFailure(body.detail || `HTTP ${answer.status}`);
    return body.data;
  }

  function userErrorText(errors) {
    return errors.map((e) => (e.code ? `${e.message} (${e.code})` : e.message)).join("; ");
  }

  // --- navigation ----------------------------------------------------------------------------

  const pages = Array.from(document.querySelectorAll("section[data-page]"));
  const opened = new Set();

  function showPage() {
    const name = (window.location.hash || "#feed").slice(1);
    const target = pages.find((p) => p.dataset.page === name) || pages[0];
    for (const page of pages) page.hidden = page !== target;
    for (const link of document.querySelectorAll("nav a")) {
      if (link.getAttribute("href") === "#" + target.dataset.page) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `${target.querySelector("h2").textContent}: billing console`;
    if (!opened.has(target.dataset.page)) {
      opened.add(target.dataset.page);
      const init = PAGE_OPEN[target.dataset.page];
      if (init) init();
    }
  }

  // --- live feed -----------------------------------------------------------------------------

  const FEED_SUBSCRIPTIONS = {
    payment: `subscription { paymentStatusChanged { eventId occurredAt status previousStatus
      payment { id stripeId amount currency customer { id email } } } }`,
    invoice: `subscription { invoiceStatusChanged { eventId occurredAt status previousStatus
      invoice { id stripeId total currency customer { id email } } } }`,
    subscription: `subscription { subscriptionStatusChanged { eventId occurredAt status previousStatus
      subscription { id stripeId customer { id email } } } }`,
    dispute: `subscription { disputeStatusChanged { eventId occurredAt status previousStatus
      dispute { id stripeId amount currency payment { id customer { id email } } } } }`,
  };

  const feed = { all: [], pending: [], paused: false, flushing: false, received: 0 };

  function feedRecord(kind, change) {
    const object = change[kind] || {};
    const customer = object.customer || (object.payment && object.payment.customer) || null;
    return {
      kind,
      eventId: change.eventId,
      occurredAt: change.occurredAt,
      status: String(change.status || "").toLowerCase(),
      previous: change.previousStatus ? String(change.previousStatus).toLowerCase() : "",
      id: object.id || "",
      stripeId: object.stripeId || "",
      amount: object.amount !== undefined ? object.amount : object.total,
      currency: object.currency,
      customer: customer ? customer.email || customer.id : "",
    };
  }

  function feedMatches(record) {
    const kinds = Array.from(document.querySelectorAll('input[name="kind"]:checked'), (box) => box.value);
    const status = $("feed-status").value.trim().toLowerCase();
    return kinds.includes(record.kind) && (!status || record.status.includes(status));
  }

  function feedRow(record) {
    return el(
      "tr",
      { "data-object-id": record.id, "data-kind": record.kind },
      el("td", {}, when(record.occurredAt)),
      el("td", { text: record.kind }),
      el("td", { className: "mono", text: record.stripeId || record.id }),
      el("td", { text: record.status }),
      el("td", { text: record.previous }),
      el("td", { className: "num", text: record.amount !== undefined ? money(record.amount, record.currency) : "" }),
      el("td", { text: record.customer }),
    );
  }

  function feedRenderAll() {
    const body = $("feed-rows");
    const rows = [];
    for (const record of feed.all) {
      if (rows.length >= FEED_ROWS) break;
      if (feedMatches(record)) rows.push(feedRow(record));
    }
    body.replaceChildren(...rows);
  }

  function feedFlush() {
    feed.flushing = false;
    if (feed.paused || !feed.pending.length) return;
    const fresh = feed.pending.reverse(); // newest first
    feed.pending = [];
    feed.all = fresh.concat(feed.all).slice(0, FEED_ROWS * 5);
    const body = $("feed-rows");
    const shown = fresh.filter(feedMatches).slice(0, FEED_ROWS);
    if (shown.length) {
      const fragment = document.createDocumentFragment();
      for (const record of shown) fragment.append(feedRow(record));
      body.prepend(fragment);
      while (body.rows.length > FEED_ROWS) body.deleteRow(-1);
    }
    $("feed-announce").textContent = `${fresh.length} new status change${fresh.length === 1 ? "" : "s"}`;
  }

  function feedPush(record) {
    feed.received += 1;
    feed.pending.push(record);
    if (feed.pending.length > FEED_ROWS * 5) feed.pending.splice(0, feed.pending.length - FEED_ROWS * 5);
    if (!feed.flushing) {
      feed.flushing = true;
      // One DOM update per quarter second, on an animation frame: 1,000 events a minute stay cheap.
      setTimeout(() => window.requestAnimationFrame(feedFlush), FLUSH_MS);
    }
  }

  function openFeed() {
    const status = $("feed-connection");
    const client = window.graphqlWs.createClient({
      url: `${window.location.protocol === "https:" ? "wss" : "ws"}://${window.location.host}/graphql`,
      connectionParams: {}, // the session cookie authenticates the socket
      retryAttempts: Infinity,
      shouldRetry: () => true,
      on: {
        connected: () => { status.textContent = "Live"; status.className = "ok"; },
        closed: () => { status.textContent = "Disconnected: reconnecting…"; status.className = "error"; },
      },
    });
    for (const [kind, query] of Object.entries(FEED_SUBSCRIPTIONS)) {
      client.subscribe(
        { query },
        {
          next: (result) => {
            if (result.data) feedPush(feedRecord(kind, Object.values(result.data)[0]));
          },
          error: (error) => {
            status.textContent = `Feed error: ${error && error.message ? error.message : "see the gateway log"}`;
            status.className = "error";
          },
          complete: () => {},
        },
      );
    }
    for (const box of document.querySelectorAll('input[name="kind"]')) box.addEventListener("change", feedRenderAll);
    $("feed-status").addEventListener("input", feedRenderAll);
    $("feed-pause").addEventListener("click", (event) => {
      feed.paused = !feed.paused;
      event.target.setAttribute("aria-pressed", String(feed.paused));
      event.target.textContent = feed.paused ? "Resume" : "Pause";
      if (!feed.paused) feedFlush();
    });
  }

  // --- customer 360 --------------------------------------------------------------------------

  const CUSTOMER_FIELDS = `id stripeId email name createdAt
    paymentMethods(first: 50) { edges { node { id type brand last4 expMonth expYear isDefault } } }
    subscriptions(first: 50) { edges { node { id stripeId status quantity currentPeriodEnd cancelAtPeriodEnd } } }
    invoices(first: 50) { edges { node { id stripeId number status total amountPaid currency createdAt } } }
    payments(first: 50) { edges { node { id stripeId status amount amountRefunded currency createdAt
      refunds(first: 50) { edges { node { id stripeId amount currency status reason createdAt } } } } } }`;

  function nodes(connection) {
    return connection ? connection.edges.map((edge) => edge.node) : [];
  }

  function table(caption, headers, rows) {
    return el(
      "table",
      {},
      el("caption", { text: caption }),
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: headers.length, className: "muted", text: "None" }))),
    );
  }

  let currentCustomer = null;

  async function findCustomer(event) {
    if (event) event.preventDefault();
    const wanted = $("customer-query").value.trim();
    if (!wanted) return;
    setMessage("customer-message", "Looking up…");
    try {
      let customer;
      if (wanted.includes("@")) {
        const data = await gql(`query($email: String!) { customers(email: $email, first: 1) { edges { node { ${CUSTOMER_FIELDS} } } } }`, { email: wanted });
        customer = nodes(data.customers)[0] || null;
      } else {
        const data = await gql(`query($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS} } }`, { id: wanted });
        customer = data.customer;
      }
      if (!customer) {
        setMessage("customer-message", `No customer ${wanted}`, true);
        $("customer-view").replaceChildren();
        return;
      }
      if (!currentCustomer || currentCustomer.id !== customer.id) {
        refund = null;
        $("refund-panel").hidden = true;
      }
      currentCustomer = customer;
      setMessage("customer-message", `Found ${customer.email || customer.id}`);
      await renderCustomer(customer);
    } catch (error) {
      setMessage("customer-message", error.message, true);
    }
  }

  async function renderCustomer(customer) {
    const payments = nodes(customer.payments);
    const refunds = payments.flatMap((p) => nodes(p.refunds).map((r) => ({ ...r, paymentStripeId: p.stripeId })));
    let events = [];
    try {
      const data = await gql(
        `query($id: ID!) { auditEvents(objectId: $id, first: 50) { edges { node { occurredAt principal operation outcome } } } }`,
        { id: customer.id },
      );
      events = nodes(data.auditEvents);
    } catch (error) {
      events = [];
    }
    $("customer-view").replaceChildren(
      el(
        "div",
        { className: "card" },
        el("h3", { text: customer.name || customer.email || customer.stripeId }),
        el("p", {}, "Email: ", customer.email || "none", " · Stripe: ", el("code", { text: customer.stripeId }), " · Id: ", el("code", { text: customer.id })),
      ),
      table("Cards", ["Brand", "Last 4", "Expires", "Default"], nodes(customer.paymentMethods).map((m) =>
        el("tr", {}, el("td", { text: m.brand || m.type }), el("td", { text: m.last4 || "" }),
          el("td", { text: m.expMonth ? `${m.expMonth}/${m.expYear}` : "" }), el("td", { text: m.isDefault ? "yes" : "" })))),
      table("Subscriptions", ["Subscription", "Status", "Quantity", "Period ends", "Cancels at period end"], nodes(customer.subscriptions).map((s) =>
        el("tr", {}, el("td", { className: "mono", text: s.stripeId }), el("td", { text: s.status.toLowerCase() }),
          el("td", { className: "num", text: s.quantity }), el("td", {}, when(s.currentPeriodEnd)), el("td", { text: s.cancelAtPeriodEnd ? "yes" : "" })))),
      table("Invoices", ["Invoice", "Status", "Total", "Paid", "Created"], nodes(customer.invoices).map((i) =>
        el("tr", {}, el("td", { className: "mono", text: i.number || i.stripeId }), el("td", { text: i.status.toLowerCase() }),
          el("td", { className: "num", text: money(i.total, i.currency) }), el("td", { className: "num", text: money(i.amountPaid, i.currency) }),
          el("td", {}, when(i.createdAt))))),
      table("Payments", ["Payment", "Status", "Amount", "Refunded", "Created", "Action"], payments.map((p) =>
        el("tr", { "data-payment-id": p.id }, el("td", { className: "mono", text: p.stripeId }), el("td", { text: p.status.toLowerCase() }),
          el("td", { className: "num", text: money(p.amount, p.currency) }), el("td", { className: "num", text: money(p.amountRefunded, p.currency) }),
          el("td", {}, when(p.createdAt)),
          el("td", {}, p.status === "SUCCEEDED" && p.amountRefunded < p.amount
            ? el("button", { type: "button", className: "secondary", "aria-label": `Refund ${p.stripeId}`, text: "Refund…", onclick: () => openRefund(p) })
            : "")))),
      table("Refunds", ["Refund", "Payment", "Amount", "Status", "Reason", "Created"], refunds.map((r) =>
        el("tr", { "data-refund-id": r.id }, el("td", { className: "mono", text: r.stripeId }), el("td", { className: "mono", text: r.paymentStripeId }),
          el("td", { className: "num", text: money(r.amount, r.currency) }), el("td", { text: r.status.toLowerCase() }),
          el("td", { text: r.reason ? r.reason.toLowerCase() : "" }), el("td", {}, when(r.createdAt))))),
      table("Events (audit trail)", ["When", "Principal", "Operation", "Outcome"], events.map((e) =>
        el("tr", {}, el("td", {}, when(e.occurredAt)), el("td", { className: "mono", text: e.principal }),
          el("td", { text: e.operation }), el("td", { text: e.outcome })))),
    );
  }

  // One refund intent: the key is made once and reused for every click and retry of it.
  let refund = null;

  function openRefund(payment) {
    refund = { payment, amount: null, reason: "", key: null, done: false, inFlight: 0 };
    $("refund-title").textContent = `Refund ${payment.stripeId}`;
    $("refund-currency").textContent = payment.currency.toUpperCase();
    const left = payment.amount - payment.amountRefunded;
    $("refund-amount").value = (left / 10 ** fractionDigits(payment.currency.toUpperCase())).toFixed(fractionDigits(payment.currency.toUpperCase()));
    $("refund-confirm").hidden = true;
    setMessage("refund-result", "");
    $("refund-panel").hidden = false;
    $("refund-amount").focus();
  }

  function reviewRefund(event) {
    event.preventDefault();
    if (!refund) return;
    const digits = fractionDigits(refund.payment.currency.toUpperCase());
    const text = $("refund-amount").value.trim();
    if (!/^\d+(\.\d+)?$/.test(text) || (text.split(".")[1] || "").length > digits) {
      setMessage("refund-result", `Enter an amount with at most ${digits} decimals`, true);
      return;
    }
    const minor = Math.round(Number(text) * 10 ** digits);
    const reason = $("refund-reason").value;
    if (refund.amount !== minor || refund.reason !== reason || refund.done) {
      // A different intent (or a new one after a finished refund): a new key.
      refund = { ...refund, amount: minor, reason, key: newKey(), done: false };
    }
    $("refund-summary").textContent = `Refund ${money(minor, refund.payment.currency)} of ${refund.payment.stripeId}? This sends money back to the customer.`;
    $("refund-confirm").hidden = false;
    setMessage("refund-result", "");
    $("refund-go").focus();
  }

  async function confirmRefund() {
    if (!refund || refund.key === null) return;
    const intent = refund;
    intent.inFlight += 1;
    setMessage("refund-result", "Refunding…");
    const input = { paymentId: intent.payment.id, amount: intent.amount };
    if (intent.reason) input.reason = intent.reason;
    try {
      const data = await gql(
        `mutation($key: String!, $input: RefundPaymentInput!) { refundPayment(idempotencyKey: $key, input: $input) {
          refund { id stripeId amount currency status } userErrors { code message } } }`,
        { key: intent.key, input },
      );
      const payload = data.refundPayment;
      if (payload.userErrors.length) {
        const inProgress = payload.userErrors.some((e) => e.code === "IDEMPOTENCY_KEY_IN_PROGRESS");
        if (!intent.done) setMessage("refund-result", inProgress ? "Already being sent: wait, then check the payment." : userErrorText(payload.userErrors), !inProgress);
        return;
      }
      intent.done = true;
      setMessage("refund-result", `Refunded ${money(payload.refund.amount, payload.refund.currency)} (${payload.refund.stripeId}, ${payload.refund.status.toLowerCase()})`);
      $("refund-confirm").hidden = true;
    } catch (error) {
      // The outcome is unknown: the same key is sent again on the next click.
      if (!intent.done) setMessage("refund-result", `${error.message}: click Confirm refund again to retry (same key)`, true);
    } finally {
      intent.inFlight -= 1;
      if (intent.done && intent.inFlight === 0 && currentCustomer) {
        const data = await gql(`query($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS} } }`, { id: currentCustomer.id });
        if (data.customer) { currentCustomer = data.customer; await renderCustomer(data.customer); }
      }
    }
  }

  function openCustomer() {
    $("customer-form").addEventListener("submit", findCustomer);
    $("refund-form").addEventListener("submit", reviewRefund);
    $("refund-go").addEventListener("click", confirmRefund);
    $("refund-cancel").addEventListener("click", () => { refund = null; $("refund-panel").hidden = true; });
  }

  // --- webhooks ------------------------------------------------------------------------------

  const inbox = { after: null, keys: new Map() };

  async function loadInbox(event, more) {
    if (event) event.preventDefault();
    const status = $("inbox-status").value || null;
    if (!more) inbox.after = null;
    try {
      const data = await gql(
        `query($status: WebhookInboxStatus, $after: String) { webhookInbox(status: $status, first: 50, after: $after) {
          edges { node { id stripeEventId type status attempts lastError receivedAt } } pageInfo { hasNextPage endCursor } } }`,
        { status, after: inbox.after },
      );
      const rows = nodes(data.webhookInbox).map((e) =>
        el("tr", { "data-inbox-id": e.id, "data-stripe-event-id": e.stripeEventId },
          el("td", {}, when(e.receivedAt)), el("td", { className: "mono", text: e.stripeEventId }), el("td", { text: e.type }),
          el("td", { text: e.status.toLowerCase() }), el("td", { className: "num", text: e.attempts }),
          el("td", { text: e.lastError || "" }),
          el("td", {}, e.status === "FAILED" || e.status === "PROCESSED"
            ? el("button", { type: "button", className: "secondary", "aria-label": `Replay ${e.stripeEventId}`, text: "Replay", onclick: () => replay(e) })
            : "")));
      if (more) $("inbox-rows").append(...rows); else $("inbox-rows").replaceChildren(...rows);
      inbox.after = data.webhookInbox.pageInfo.endCursor;
      $("inbox-more").hidden = !data.webhookInbox.pageInfo.hasNextPage;
      if (!more) setMessage("inbox-message", `${rows.length}${data.webhookInbox.pageInfo.hasNextPage ? "+" : ""} events`);
    } catch (error) {
      setMessage("inbox-message", error.message, true);
    }
  }

  async function replay(event) {
    if (!inbox.keys.has(event.id)) inbox.keys.set(event.id, newKey());
    setMessage("inbox-message", `Replaying ${event.stripeEventId}…`);
    try {
      const data = await gql(
        `mutation($key: String!, $input: ReplayWebhookEventInput!) { replayWebhookEvent(idempotencyKey: $key, input: $input) {
          event { id stripeEventId status } userErrors { code message } } }`,
        { key: inbox.keys.get(event.id), input: { id: event.id } },
      );
      const payload = data.replayWebhookEvent;
      if (payload.userErrors.length) { setMessage("inbox-message", userErrorText(payload.userErrors), true); return; }
      inbox.keys.delete(event.id);
      setMessage("inbox-message", `Replayed ${payload.event.stripeEventId}: ${payload.event.status.toLowerCase()}`);
    } catch (error) {
      setMessage("inbox-message", `${error.message}: Replay again retries with the same key`, true);
    }
  }

  const redeliveries = new Map();

  async function loadOutgoing() {
    try {
      const data = await gql(`{ webhookEndpoints { id url status eventTypes failingSince }
        eventDeliveries(first: 50) { id endpointId eventId eventType status attempts lastError createdAt } }`);
      $("endpoint-rows").replaceChildren(...data.webhookEndpoints.map((e) =>
        el("tr", {}, el("td", { className: "mono", text: e.url }), el("td", { text: e.status.toLowerCase() }),
          el("td", { text: e.eventTypes.join(", ") }), el("td", {}, when(e.failingSince)))));
      $("delivery-rows").replaceChildren(...data.eventDeliveries.map((d) =>
        el("tr", {}, el("td", {}, when(d.createdAt)), el("td", { text: d.eventType }), el("td", { text: d.status.toLowerCase() }),
          el("td", { className: "num", text: d.attempts }), el("td", { text: d.lastError || "" }),
          el("td", {}, el("button", { type: "button", className: "secondary", "aria-label": `Redeliver ${d.eventType} (${d.id})`, text: "Redeliver", onclick: () => redeliver(d) })))));
    } catch (error) {
      setMessage("delivery-message", error.message, true);
    }
  }

  async function redeliver(delivery) {
    if (!redeliveries.has(delivery.id)) redeliveries.set(delivery.id, newKey());
    try {
      const data = await gql(
        `mutation($key: String!, $input: RedeliverEventInput!) { redeliverEvent(idempotencyKey: $key, input: $input) {
          delivery { id status } userErrors { code message } } }`,
        { key: redeliveries.get(delivery.id), input: { eventId: delivery.eventId, endpointId: delivery.endpointId } },
      );
      const payload = data.redeliverEvent;
      if (payload.userErrors.length) { setMessage("delivery-message", userErrorText(payload.userErrors), true); return; }
      redeliveries.delete(delivery.id);
      setMessage("delivery-message", `Redelivery queued (${payload.delivery.status.toLowerCase()})`);
      await loadOutgoing();
    } catch (error) {
      setMessage("delivery-message", `${error.message}: Redeliver again retries with the same key`, true);
    }
  }

  function openWebhooks() {
    $("inbox-form").addEventListener("submit", (event) => loadInbox(event, false));
    $("inbox-more").addEventListener("click", () => loadInbox(null, true));
    loadInbox(null, false);
    loadOutgoing();
  }

  // --- revenue -------------------------------------------------------------------------------

  const SVG = "http://www.w3.org/2000/svg";

  function svgNode(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function chart(title, periods, pick, format) {
    const width = 360, height = 180, left = 64, bottom = 24, top = 10;
    const values = periods.map(pick).map((v) => (v === null || v === undefined ? 0 : v));
    const max = Math.max(1, ...values), min = Math.min(0, ...values);
    const x = (i) => left + (periods.length < 2 ? 0 : (i * (width - left - 10)) / (periods.length - 1));
    const y = (v) => top + ((max - v) * (height - top - bottom)) / (max - min || 1);
    const id = "chart-" + title.toLowerCase().replace(/[^a-z]+/g, "-");
    const svg = svgNode("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": id + "-title" });
    svg.append(svgNode("title", { id: id + "-title" }, `${title}: ${values.length} periods, last ${format(values[values.length - 1] || 0)}`));
    svg.append(svgNode("line", { class: "axis", x1: left, y1: y(0), x2: width - 5, y2: y(0) }));
    svg.append(svgNode("line", { class: "axis", x1: left, y1: top, x2: left, y2: height - bottom }));
    svg.append(svgNode("text", { x: 2, y: top + 8 }, format(max)));
    svg.append(svgNode("text", { x: 2, y: height - bottom }, format(min)));
    if (periods.length) {
      svg.append(svgNode("text", { x: left, y: height - 6 }, periods[0].start.slice(0, 10)));
      svg.append(svgNode("text", { x: width - 80, y: height - 6 }, periods[periods.length - 1].start.slice(0, 10)));
    }
    svg.append(svgNode("polyline", { class: "line", points: values.map((v, i) => `${x(i)},${y(v)}`).join(" ") }));
    const details = el("details", {}, el("summary", { text: `${title} as a table` }),
      table(title, ["Period start", title], periods.map((p, i) =>
        el("tr", {}, el("td", { text: p.start.slice(0, 10) }), el("td", { className: "num", text: format(values[i]) })))));
    return el("figure", {}, el("figcaption", { text: title }), svg, details);
  }

  async function loadRevenue(event) {
    if (event) event.preventDefault();
    const currency = $("revenue-currency").value.trim().toLowerCase();
    const from = new Date($("revenue-from").value + "T00:00:00Z").toISOString();
    const to = new Date($("revenue-to").value + "T00:00:00Z").toISOString();
    try {
      const data = await gql(
        `query($currency: String!, $from: DateTime!, $to: DateTime!, $interval: MetricsInterval!) {
          billingMetrics(currency: $currency, from: $from, to: $to, interval: $interval) {
            currency periods { start end mrr churnedMrr revenueChurnRate netRevenue } userErrors { code message } } }`,
        { currency, from, to, interval: $("revenue-interval").value },
      );
      const metrics = data.billingMetrics;
      if (metrics.userErrors.length) { setMessage("revenue-message", userErrorText(metrics.userErrors), true); return; }
      const asMoney = (v) => money(v, currency);
      $("revenue-charts").replaceChildren(
        chart("MRR", metrics.periods, (p) => p.mrr, asMoney),
        chart("Churned MRR", metrics.periods, (p) => p.churnedMrr, asMoney),
        chart("Net revenue", metrics.periods, (p) => p.netRevenue, asMoney),
      );
      setMessage("revenue-message", `${metrics.periods.length} periods in ${currency.toUpperCase()}`);
    } catch (error) {
      setMessage("revenue-message", error.message, true);
    }
  }

  function openRevenue() {
    const today = new Date();
    const start = new Date(today.getTime() - 29 * 86400000);
    const end = new Date(today.getTime() + 86400000);
    $("revenue-from").value = start.toISOString().slice(0, 10);
    $("revenue-to").value = end.toISOString().slice(0, 10);
    $("revenue-form").addEventListener("submit", loadRevenue);
    loadRevenue(null);
  }

  // --- audit ---------------------------------------------------------------------------------

  const audit = { after: null };

  async function searchAudit(event, more) {
    if (event) event.preventDefault();
    if (!more) audit.after = null;
    const text = (id) => $(id).value.trim() || null;
    const time = (id) => ($(id).value ? new Date($(id).value).toISOString() : null);
    try {
      const data = await gql(
        `query($principal: String, $operation: String, $objectId: ID, $from: DateTime, $to: DateTime, $after: String) {
          auditEvents(principal: $principal, operation: $operation, objectId: $objectId, occurredAfter: $from,
                      occurredBefore: $to, first: 50, after: $after) {
            edges { node { id occurredAt principal operation objectIds outcome idempotencyKey requestId } }
            pageInfo { hasNextPage endCursor } } }`,
        { principal: text("audit-principal"), operation: text("audit-operation"), objectId: text("audit-object"),
          from: time("audit-from"), to: time("audit-to"), after: audit.after },
      );
      const rows = nodes(data.auditEvents).map((e) =>
        el("tr", { "data-audit-id": e.id }, el("td", {}, when(e.occurredAt)), el("td", { className: "mono", text: e.principal }),
          el("td", { text: e.operation }), el("td", { className: "mono", text: e.objectIds.join(" ") }), el("td", { text: e.outcome }),
          el("td", { className: "mono", text: e.idempotencyKey || "" }), el("td", { className: "mono", text: e.requestId || "" })));
      if (more) $("audit-rows").append(...rows); else $("audit-rows").replaceChildren(...rows);
      audit.after = data.auditEvents.pageInfo.endCursor;
      $("audit-more").hidden = !data.auditEvents.pageInfo.hasNextPage;
      if (!more) setMessage("audit-message", `${rows.length}${data.auditEvents.pageInfo.hasNextPage ? "+" : ""} entries`);
    } catch (error) {
      setMessage("audit-message", error.message, true);
    }
  }

  function openAudit() {
    $("audit-form").addEventListener("submit", (event) => searchAudit(event, false));
    $("audit-more").addEventListener("click", () => searchAudit(null, true));
  }

  const PAGE_OPEN = { feed: openFeed, customer: openCustomer, webhooks: openWebhooks, revenue: openRevenue, audit: openAudit };

  window.addEventListener("hashchange", () => { showPage(); $("main").focus(); });
  // The feed runs from the start, whichever page opens first: events are not missed while elsewhere.
  opened.add("feed");
  openFeed();
  showPage();
})();
