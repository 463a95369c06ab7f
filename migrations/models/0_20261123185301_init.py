from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "api_keys" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "name" VARCHAR(128) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "key_hash" VARCHAR(64) NOT NULL UNIQUE,
    "scopes" JSONB NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "last_used_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_api_keys_prefix_10c459" ON "api_keys" ("prefix");
CREATE TABLE IF NOT EXISTS "audit_entries" (
    "id" UUID NOT NULL PRIMARY KEY,
    "occurred_at" TIMESTAMPTZ NOT NULL,
    "principal" VARCHAR(128) NOT NULL,
    "operation" VARCHAR(64) NOT NULL,
    "object_ids" JSONB NOT NULL,
    "idempotency_key" VARCHAR(255),
    "stripe_request_id" VARCHAR(255),
    "stripe_event_id" VARCHAR(255),
    "request_id" VARCHAR(64),
    "outcome" VARCHAR(32) NOT NULL,
    "detail" JSONB
);
CREATE INDEX IF NOT EXISTS "idx_audit_entri_occurre_6d97aa" ON "audit_entries" ("occurred_at");
CREATE INDEX IF NOT EXISTS "idx_audit_entri_princip_7548ed" ON "audit_entries" ("principal");
CREATE INDEX IF NOT EXISTS "idx_audit_entri_operati_f0040b" ON "audit_entries" ("operation");
CREATE TABLE IF NOT EXISTS "customers" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "email" VARCHAR(320),
    "name" VARCHAR(256),
    "metadata" JSONB NOT NULL,
    "default_payment_method_stripe_id" VARCHAR(255),
    "deleted" BOOL NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_customers_email_cf3ae8" ON "customers" ("email");
CREATE TABLE IF NOT EXISTS "idempotency_records" (
    "id" UUID NOT NULL PRIMARY KEY,
    "principal" VARCHAR(128) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "operation" VARCHAR(64) NOT NULL,
    "request_hash" VARCHAR(64) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "response" JSONB,
    "created_at" TIMESTAMPTZ NOT NULL,
    "locked_at" TIMESTAMPTZ,
    "completed_at" TIMESTAMPTZ,
    CONSTRAINT "uid_idempotency_princip_71ed29" UNIQUE ("principal", "key")
);
CREATE INDEX IF NOT EXISTS "idx_idempotency_created_68bd32" ON "idempotency_records" ("created_at");
COMMENT ON COLUMN "idempotency_records"."status" IS 'IN_PROGRESS: in_progress\nCOMPLETED: completed';
CREATE TABLE IF NOT EXISTS "payment_methods" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "type" VARCHAR(32) NOT NULL,
    "brand" VARCHAR(32),
    "last4" VARCHAR(4),
    "exp_month" SMALLINT,
    "exp_year" SMALLINT,
    "detached_at" TIMESTAMPTZ,
    "customer_id" UUID REFERENCES "customers" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_payment_met_custome_d0bde8" ON "payment_methods" ("customer_id");
CREATE TABLE IF NOT EXISTS "prices" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "kind" VARCHAR(8) NOT NULL,
    "product_stripe_id" VARCHAR(255),
    "nickname" VARCHAR(255),
    "active" BOOL NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "unit_amount" BIGINT,
    "recurring_interval" VARCHAR(16),
    "recurring_interval_count" INT
);
CREATE TABLE IF NOT EXISTS "subscriptions" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "status" VARCHAR(32) NOT NULL,
    "price_stripe_id" VARCHAR(255),
    "quantity" INT NOT NULL,
    "current_period_start" TIMESTAMPTZ,
    "current_period_end" TIMESTAMPTZ,
    "cancel_at_period_end" BOOL NOT NULL,
    "canceled_at" TIMESTAMPTZ,
    "ended_at" TIMESTAMPTZ,
    "trial_end" TIMESTAMPTZ,
    "latest_invoice_stripe_id" VARCHAR(255),
    "default_payment_method_stripe_id" VARCHAR(255),
    "customer_id" UUID NOT NULL REFERENCES "customers" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_subscriptio_status_9634f0" ON "subscriptions" ("status");
CREATE INDEX IF NOT EXISTS "idx_subscriptio_custome_c50729" ON "subscriptions" ("customer_id");
CREATE TABLE IF NOT EXISTS "invoices" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "status" VARCHAR(32) NOT NULL,
    "number" VARCHAR(64),
    "currency" VARCHAR(3) NOT NULL,
    "amount_due" BIGINT NOT NULL,
    "amount_paid" BIGINT NOT NULL,
    "amount_remaining" BIGINT NOT NULL,
    "total" BIGINT NOT NULL,
    "hosted_invoice_url" TEXT,
    "payment_intent_stripe_id" VARCHAR(255),
    "period_start" TIMESTAMPTZ,
    "period_end" TIMESTAMPTZ,
    "customer_id" UUID NOT NULL REFERENCES "customers" ("id") ON DELETE RESTRICT,
    "subscription_id" UUID REFERENCES "subscriptions" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_invoices_status_515d03" ON "invoices" ("status");
CREATE INDEX IF NOT EXISTS "idx_invoices_custome_559674" ON "invoices" ("customer_id");
CREATE INDEX IF NOT EXISTS "idx_invoices_subscri_ba8a3a" ON "invoices" ("subscription_id");
CREATE TABLE IF NOT EXISTS "payments" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "status" VARCHAR(32) NOT NULL,
    "amount" BIGINT NOT NULL,
    "amount_received" BIGINT NOT NULL,
    "amount_refunded" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "description" TEXT,
    "client_secret" VARCHAR(255),
    "payment_method_stripe_id" VARCHAR(255),
    "latest_charge_stripe_id" VARCHAR(255),
    "failure_code" VARCHAR(64),
    "decline_code" VARCHAR(64),
    "failure_message" TEXT,
    "customer_id" UUID REFERENCES "customers" ("id") ON DELETE RESTRICT,
    "invoice_id" UUID REFERENCES "invoices" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_payments_status_c133d1" ON "payments" ("status");
CREATE INDEX IF NOT EXISTS "idx_payments_custome_fa0b14" ON "payments" ("customer_id");
CREATE INDEX IF NOT EXISTS "idx_payments_invoice_0e0bbd" ON "payments" ("invoice_id");
CREATE TABLE IF NOT EXISTS "refunds" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "amount" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "reason" VARCHAR(64),
    "failure_reason" VARCHAR(64),
    "payment_id" UUID NOT NULL REFERENCES "payments" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_refunds_payment_7629c5" ON "refunds" ("payment_id");
CREATE TABLE IF NOT EXISTS "subscription_items" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "price_stripe_id" VARCHAR(255) NOT NULL,
    "quantity" INT NOT NULL,
    "current_period_start" TIMESTAMPTZ,
    "current_period_end" TIMESTAMPTZ,
    "subscription_id" UUID NOT NULL REFERENCES "subscriptions" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_subscriptio_subscri_2a2dc9" ON "subscription_items" ("subscription_id");
CREATE TABLE IF NOT EXISTS "webhook_events" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_event_id" VARCHAR(255) NOT NULL UNIQUE,
    "type" VARCHAR(128) NOT NULL,
    "api_version" VARCHAR(64),
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ NOT NULL,
    "payload" JSONB NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "last_error" TEXT,
    "enqueued_at" TIMESTAMPTZ,
    "processing_started_at" TIMESTAMPTZ,
    "processed_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_webhook_eve_type_75fb38" ON "webhook_events" ("type");
CREATE INDEX IF NOT EXISTS "idx_webhook_eve_status_051737" ON "webhook_events" ("status");
COMMENT ON COLUMN "webhook_events"."status" IS 'PENDING: pending\nPROCESSING: processing\nPROCESSED: processed\nFAILED: failed\nIGNORED: ignored';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXWtzozgW/Ssuf+qtynYlTjrJdm1tlZO4ezyT2CnbvdM101OUDErCBgMNIh1XT/77Sp"
    "g3AgM2tsD3U2Khi/G5elzdc4R+dheGgjX7fd9Uf8PL7sfOz66OFpj+k7hy1Oki0wzLWQFB"
    "c82tikxVesZLtxDNbWIhmdDyB6TZmBYp2JYt1SSqodNS3dE0VmjItKKqP4ZFjq5+d7BEjE"
    "dMnrBFL/z5Fy1WdQW/Ytv/aD5LDyrWlNjDqgr7brdcIkvTLfvyZXjzya3Jvm4uyYbmLPSw"
    "trkkT4YeVHccVXnPbNi1R6xjCxGsRH4Ge0rvF/tFqyemBcRycPCoSlig4AfkaAyM7r8fHF"
    "1mGHQ8ZOfIxu/Zt178x3vCSG1JGo1n0nQwk6RuCQhlQ2fwqzpheP18W903xMUt7bIvuP6l"
    "P3l3ev4PFwnDJo+We9FFrfvmGiKCVqYu9iHYsoUZNBIiadBv6BWiLjAf+LhlwgGKZ/re/6"
    "eKI/yC0BNhK/TB9eGrAfAu/YHKWNeWXhPIccBseDeYzvp39+zrFrb9XXPx688G7ErPLV0m"
    "St+t/GXQDrbqecFNOr8PZ7902MfOH+PRIOnVoN7sjy57JuQQQ9KNHxJSIq3VL/VRozVDrz"
    "umUtHrcUvwuihe9zGKuN17+tDr7t+Uv6+fkMX3tV8/4WWKVhP9ukCvkob1R/JEP570LnMc"
    "+9/+xB1Saa2Et0bepd7q2lsMX9PCD+prGYRDi7owTs1du4P4vAjCye4QAfg8iS8NS6QnZD"
    "+VQThqsx2M14cHO4P4/KwAxOdnmRCzS3GIbdlg90gB/Ot0POIDHFokJwNVJp2/O5pqk7qG"
    "i0gcNndUjai6/Z593z5iMIZQbB7wYX531/+a9MD17fgqOcCzG1wl3GHhF+O50jwdt9zCPO"
    "21clGG8+ZOy+loTEM2kRy7kp+TtuBp0TzN1rkPz5HFFyuYI/n5B7IUKXXF6BlZddOXFr1F"
    "sgTp6NF1EkOTPae/9ncUlQx0YvEzA+HVo9zsAKsnYVpRxZAiOIwUgSHLjmVVGp0SprtZLu"
    "40HmvmarFIjsCkP1xWTaSVW9BEjFq4pqlj2UjjZ4oHe64SQMeM2gf09lc2xvx/WCaSqpRa"
    "3cStYIWz9RWOquCFaRCsy0tGO5TpAhzTSh1BsHg33hF6Hz4U6Am0VmZXcK8lVvn0CUwsWZ"
    "j+YJu17jKwc40B+DLA4xcaQVeDPWoKoBcCvVozb3v7rmGGdYhslGMYIiYtJBlOewUgPu1l"
    "QswuxSFWMEEqJyDPDmBCi42CF8Ga8i6iFEHyNteOTWgXsbqcrE1w7SgvZyN7tSBfcxj5Gp"
    "B0ZI/P7U3XgKSjbV4vIunwVgWVlhIbRLYik+K1rCE09QWzeSEN85VhaBjpGexcxCwB9Jza"
    "1dWXgpLdzllX4/FtrN9cDWcJjL/cXQ0m705c6GkllbjFw9GMv1D2JqSyI1raGmhRcQax9N"
    "wVy22Un8A45uBvof291OVKoUrMEHwsso/xgpupyI5KAoOacm37i0hOe8eFEkHHOZmg42RE"
    "slMxr2D9JBnwFVGa0lo5AV9Ka7rABLEVdplcW9RGDKqQfW1rqELvB0gmWi7YTE/hfjIUqd"
    "ISqMi92thTalgaKVjD3Bg9d2UUsYKF0ZqFUYlMdCTlqr8YqszTcl95lp9+m2AtS0PiJUGH"
    "q7s0MOnz5rc4v7TLSZ943X9DkO5Xd2ne6FAGI2+I3A5Ud+69WgqY7cyDm28I1zRyqzb1wT"
    "oJs2EoC5pg2bDiTFRmpaM8Ci0qNbLc+jWQaX/G1ZNM0vQXEGwCEmziKmPbtqOypCJwExWg"
    "2OjWErmLKzxulS7KV5KV3bqatAOwi2xgJYg4nKiLwTzQnYUL9ZA+EtJXy5oEk+Bb7w5sel"
    "EyLYPNP3bJeZCuD6X7yfjzZDCdfuxE7vNNvx7f3d8OZoObjx3ZWJjBYnv/u7jp85n0GznJ"
    "y+zMWtQGdGzVU2jNkgbtMmPfJupFM+Rqm8ZjhkCviezjYFCv0pcTtuBp0TwtiPbYz/7yEi"
    "hhYjgnbRLJQYPwuPV5kWZFFyBBXT9AgfD4EL0OwmNxcnQgPAbhMcTWIDwGf4PwGHxcrE9n"
    "MwBZ3bjurP8+tcfb3oOuO4v5astxYelxYNE+SeX2GSz3jWm6XIr4jtq0kCY8LdKGs5twEm"
    "G0MBw6YSsOL6pWH4c64aMct0vgrBYSAFbC+bgukB/ZE/zzX73e6elF7/j0/PLD2cXFh8vj"
    "S1rXfdz0pYu8MHz4mQXUMTekI2wPRRPx1o4F4PcNAf+N8LfYfhudPV4VJ8SswRPVPEEMwt"
    "OQ5cEfmADm1TB/otEmDeQ9ZkJyLI4DZvg1A36+dRuimrwVwODrLBb8p5QIwQLgdjz67FdP"
    "yhMSZyV4qnL6/exPpXRi3j3a4JMdpBdNbKnuvidklV4TJ21hWSzystjzFtZLJzXjluBlkb"
    "3sv+uLO5JmE98Js20y4MLKutYS3fwdPSWR5ZhugK5Yu9yrg5vSt6RbcBrkT4aF1Uf9N7xM"
    "iXj5u6eir8drZLNNbZyixRb6Eehckv2WQrDaV8uuTehgMhlez7qZTXkLEJfcoCZk+12LMq"
    "cPx5Cmz9EZfbm97b4V2ZgLe053vyfQR4sjZIsAmS1ki/oMhGwgZAMhW8MkTSBkO0Svg5BN"
    "nEwTCNlAyCZkJNrAQQyEbAfvbxCytd/HIGSrVci2kjJw4pG18gcOwjUS8HVCvF8FioxpdF"
    "dNBRQ1Bi3Ehn54cOhvruqH0Bj8UM0PoPisW/EZfaYUyNlyn4RZGzQlu9b5yJrqanMwXUpy"
    "5tqcBp40bAP6u1D0bOHtyPBW5M3TXRQMm0gyxfgRV/NCzi3ACYWc8IBUzbEwxZSXd8xGPm"
    "nXPri3v21FwXTE1stjnbQDrNdj7bfPBbZt9MiBOzuk4Zi2AfGdhzX71tkJqaTZUGbny+pL"
    "ah1iVgCpeOI6IYGtQVunhu/E2hDc4scuNBPbeJ/dQEy3Sj9tqKWbuDdpYM5kn1o67wiHbE"
    "VdeMbDWl1d9GwJkNeBvA7kdQ0TWoG87hC9DvI6cVJdIK8DeV1zUjJiD2Igrzt4f4O8rvU+"
    "dt1SIijx67dRbbF1bd3cQrwXDWSjGxi0gY2oG10N2eSsDLqBQfvQLUKuZXNrKWoNv5rSwt"
    "AJ56Su6QJpWqYeLmZYSQknGswrLdxp7+I8UL+xD3l6t+ld//Y2HSwzbJYYcWiH9Zj6dgBp"
    "gm4nSH6qFKMkTCFKETlKAaIZWFGRmLs8VrQIdVcrM2VlHFa0unCUy0RZcFBRfuMDAiplCV"
    "SEKHMpEFCH6HUgoICAAgIKCKj2LwOBgDowfwMB1XofP6vlKBK//u4IqNWquK61XTwouSwQ"
    "klxmBiSXqW2QlqE4ctUXy/OM20ed1BIH6qr87P5fAu+oDcBcCGYkExo5lwy2Q6Mdhtr+Oq"
    "exkTa8nqHu1zPQH0nD0gqv40kYtogj3PErSCzMWix9LvcwFeuFdy5RdmvnW7dvJD85L9Du"
    "T5IxZdjw2aV1uFNYud0gsw/k3aJFHaJ3cnZxdnl6fhb0g6Akr/mvmnqK/NsPQeVtNOMwVO"
    "EWtGyKKrLXDTgq4KiAo2oYWwEc1SF6HTgqcRbNwFEBRyVWcNvcQQw4qoP3N3BUrfcxvCMb"
    "3gm8R+jrTDqL+Hr9Vu1So3GbzXvfcl4e2bdoX+64vrdAlsc5bQl4r8c7OG6+VBo0bgUnK+"
    "fuxDHDwzg33IhT/HxUMXFduxEn3q4y3k64H5ojdigwh+xIHhqcTXlET94F4gOIDyA+mpgC"
    "B+LjEL0OxAcQH0B8APHR/iQpEB8H5m8gPtrvYwGzw206fNXdWVR1d07KtH3py1rCwO8O0o"
    "lKOKRSJpkXNdkdnXdSF8Zb0BKnWToimdhS3YPykFU+a5FxD5gfRJ4fEl7DvK2cpfyOuZs7"
    "wetieZ2RDhoN4HL9nrumzroFrK/LbMlzQayWJI6bQn8Tub9hdrR4BSdH7cDDInuY/lKkVZ"
    "k+Y4bgY5F97B1k7B/6VmnRl3cPWP0VWv15zyxt44TwIvcCtxRyy97f8CtY5qkWYdF+XvEr"
    "JrJbOvk0W1uUOhF1w/M5t3ka6j4m8fT5nLFTYwlebAhQVFA1pLera+G4D6h2JVRzcVsjVv"
    "OxLSZYkwLPgmoNVGugWmuYfglUa4fodVCtibMyAtUaqNaEDOgbOIiBau3g/Q2qtdb7WABV"
    "lXBxKMiqQFYFsqqGDGAgqzpEr8ezpqXSlhxToMJyqTA7sft6QzosuZm7kQivpcQ4zSxGi1"
    "33p9f9m8G+dtz/judPhvE8YIuxLofEiF0/yiMwfqxqrtZ1QF4AeQHkRRPT2EBeHKLXS5AX"
    "q7xdJQojagpERpEEgQtPCaD9+u3bSHjSK3LOF62VfYZGL3XWFzJV6QVbNjegzUY5YdY+ue"
    "L2X4EGjNzBM3KiTdXNnZo56Xu01AzE8fOv0/EoI20fmiSdq8qk83dHU+0mvnU3x60MjJhH"
    "/RHr3V3/a3Iwu74dXyVdxW5wVeJtsAPdWaSyIfve+981sa4wBMs5oHs/GN0MR58/djz7b/"
    "r9ZHw9mE5XhZYhY9uOlg9ugmKsfNM/9Ye3rIi9Q5R9Hn4ejSesQH3UDWs1zOz/XC1ECF6Y"
    "hOPQ7NdWR0x2R8kc1xUJbJmS0ZBNJGxZBkdCP8OvGZjGrdoQYeVNN4Ovs/xxKZhtbsejz3"
    "715GAVxx3r9Gc7FTdBxkyBAhF66g8G3hVVWcnjmTcB3zfA95u4HDwtrKdTVNx+KKI+tlT5"
    "qcshh7wrR3m0EArrCEMHZUZy3NQkJ4bzGrq4mcmtxHDZtE+FnNmm+TLRlpm7OKmddqoSCH"
    "vVW4juyfFxkWXe8XH2Oo9dS0jFDJ1wTwzITplETCBlUjJlstfJ7O3/sCgWXA=="
)
