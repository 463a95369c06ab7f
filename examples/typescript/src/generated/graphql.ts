/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** What `attachPaymentMethod` needs. */
export type AttachPaymentMethodInput = {
  /** The customer to attach it to (a Customer id). */
  customerId: string | number;
  /** Also make it the customer's default payment method (default false). */
  setAsDefault?: boolean | null | undefined;
  /** A `pm_…` id made by Stripe.js or Elements. */
  stripePaymentMethodId: string;
};

/** What `createCustomer` makes: a customer at Stripe, mirrored by the gateway. */
export type CreateCustomerInput = {
  /** The customer's email address (validated, no DNS lookup). */
  email: string;
  /** String keys to string values, as Stripe's metadata. */
  metadata?: unknown;
  /** The customer's full name or business name. */
  name?: string | null | undefined;
};

/** What `createPayment` makes: a card PaymentIntent, confirmed at once. */
export type CreatePaymentInput = {
  /** In the currency's minor unit (cents): 1 to 999,999,999,999 (Stripe's 12 digits). */
  amount: number;
  /** ISO 4217 code, e.g. `usd`. */
  currency: string;
  /** The paying customer (a Customer id). */
  customerId: string | number;
  /** Shown in Stripe's dashboard (not sent to emulators). */
  description?: string | null | undefined;
  /** One of the customer's payment methods; default: the customer's default. */
  paymentMethodId?: string | number | null | undefined;
};

/** A payment's (PaymentIntent's) status at Stripe. */
export type PaymentStatus =
  /** Canceled; nothing will be collected. */
  | 'CANCELED'
  /** Stripe is processing it. */
  | 'PROCESSING'
  /** The customer must act, e.g. 3-D Secure with `clientSecret` in Stripe.js. */
  | 'REQUIRES_ACTION'
  /** Authorized; waiting to be captured. */
  | 'REQUIRES_CAPTURE'
  /** Waiting to be confirmed. */
  | 'REQUIRES_CONFIRMATION'
  /** Needs a (new) payment method: none given yet, or the last one failed. */
  | 'REQUIRES_PAYMENT_METHOD'
  /** The money was collected. */
  | 'SUCCEEDED'
  /** A status this gateway does not know yet. */
  | 'UNKNOWN';

/** What went wrong in a mutation, stable across versions. */
export type UserErrorCode =
  /** The card was declined; `declineCode` carries Stripe's reason. */
  | 'CARD_DECLINED'
  /** The promotion code (or coupon) has expired or was deactivated: it cannot be redeemed; nothing was done. */
  | 'DISCOUNT_EXPIRED'
  /** The promotion code may be redeemed by another customer only; nothing was done. */
  | 'DISCOUNT_FOR_ANOTHER_CUSTOMER'
  /** The promotion code (or coupon) was redeemed as many times as it may be (`maxRedemptions`); nothing was done. */
  | 'DISCOUNT_USED_UP'
  /** The first call with this key is still running; retry with the same key. */
  | 'IDEMPOTENCY_KEY_IN_PROGRESS'
  /** This key was used before with another operation or input; nothing was done. */
  | 'IDEMPOTENCY_KEY_REUSED'
  /** The range is empty or reversed (`from` must be before `to`). */
  | 'INVALID_RANGE'
  /** An id in the input names no object this caller may see. */
  | 'NOT_FOUND'
  /** Another refund or payment of the same payment or invoice is still running; nothing was sent to Stripe: retry with the same idempotency key. */
  | 'OBJECT_BUSY'
  /** Stripe could not complete the payment for another reason than a decline. */
  | 'PAYMENT_FAILED'
  /** Stripe refused the call for a reason the client cannot fix; see the message. */
  | 'PROVIDER_ERROR'
  /** Stripe did not answer in time or is down; the outcome is unknown: retry with the same key. */
  | 'PROVIDER_UNAVAILABLE'
  /** The gateway's database cannot be reached. Sent as a top-level GraphQL error (`extensions: {code, retryAfter}`; over HTTP a 503 with `Retry-After`): retry later, with the same idempotency key for a mutation. */
  | 'SERVICE_UNAVAILABLE'
  /** The subscription has ended (canceled or expired): it cannot be paused or resumed; nothing was done. */
  | 'SUBSCRIPTION_ENDED'
  /** The range holds more periods of the interval than one request may ask for (366). */
  | 'TOO_MANY_PERIODS'
  /** A webhook endpoint's URL is refused by the SSRF guard: not https in production, or it resolves to a private, loopback or link-local address (`WEBHOOK_ALLOW_PRIVATE_URLS`). */
  | 'URL_NOT_ALLOWED'
  /** The input is invalid (the message says why, `field` says where); nothing was done. */
  | 'VALIDATION_FAILED';

export type CreateCustomerMutationVariables = Exact<{
  idempotencyKey: string;
  input: CreateCustomerInput;
}>;


export type CreateCustomerMutation = { createCustomer: { customer: { id: string, stripeId: string, email: string | null, name: string | null } | null, userErrors: Array<{ code: UserErrorCode, message: string, field: Array<string> | null }> } };

export type AttachPaymentMethodMutationVariables = Exact<{
  idempotencyKey: string;
  input: AttachPaymentMethodInput;
}>;


export type AttachPaymentMethodMutation = { attachPaymentMethod: { paymentMethod: { id: string, stripeId: string, brand: string | null, last4: string | null, isDefault: boolean } | null, userErrors: Array<{ code: UserErrorCode, message: string, field: Array<string> | null }> } };

export type PaymentStatusChangedSubscriptionVariables = Exact<{
  customerId: string | number;
  after?: string | null | undefined;
}>;


export type PaymentStatusChangedSubscription = { paymentStatusChanged: { eventId: string, occurredAt: string, status: PaymentStatus, previousStatus: PaymentStatus | null, cursor: string | null, resumedAfterGap: boolean, payment: { id: string, stripeId: string, status: PaymentStatus, amount: number, currency: string } | null } };

export type CreatePaymentMutationVariables = Exact<{
  idempotencyKey: string;
  input: CreatePaymentInput;
}>;


export type CreatePaymentMutation = { createPayment: { payment: { id: string, stripeId: string, status: PaymentStatus, amount: number, currency: string } | null, userErrors: Array<{ code: UserErrorCode, message: string, field: Array<string> | null, declineCode: string | null }> } };

export type PaymentQueryVariables = Exact<{
  id: string | number;
}>;


export type PaymentQuery = { payment: { id: string, stripeId: string, status: PaymentStatus, amount: number, amountReceived: number, currency: string, createdAt: string, customer: { id: string, email: string | null } | null } | null };


export const CreateCustomerDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateCustomer"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateCustomerInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createCustomer"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"idempotencyKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}}},{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"stripeId"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"field"}}]}}]}}]}}]} as unknown as DocumentNode<CreateCustomerMutation, CreateCustomerMutationVariables>;
export const AttachPaymentMethodDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AttachPaymentMethod"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AttachPaymentMethodInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"attachPaymentMethod"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"idempotencyKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}}},{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentMethod"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"stripeId"}},{"kind":"Field","name":{"kind":"Name","value":"brand"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}},{"kind":"Field","name":{"kind":"Name","value":"isDefault"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"field"}}]}}]}}]}}]} as unknown as DocumentNode<AttachPaymentMethodMutation, AttachPaymentMethodMutationVariables>;
export const PaymentStatusChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"PaymentStatusChanged"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"customerId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentStatusChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"customerId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"customerId"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"eventId"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"previousStatus"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"resumedAfterGap"}},{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"stripeId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]}}]} as unknown as DocumentNode<PaymentStatusChangedSubscription, PaymentStatusChangedSubscriptionVariables>;
export const CreatePaymentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreatePayment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreatePaymentInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createPayment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"idempotencyKey"},"value":{"kind":"Variable","name":{"kind":"Name","value":"idempotencyKey"}}},{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"payment"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"stripeId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"declineCode"}}]}}]}}]}}]} as unknown as DocumentNode<CreatePaymentMutation, CreatePaymentMutationVariables>;
export const PaymentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Payment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"payment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"stripeId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"amountReceived"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"customer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}}]}}]}}]}}]} as unknown as DocumentNode<PaymentQuery, PaymentQueryVariables>;