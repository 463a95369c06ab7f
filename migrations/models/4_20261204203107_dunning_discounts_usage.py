from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "coupons" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "name" VARCHAR(255),
    "percent_off" DOUBLE PRECISION,
    "amount_off" BIGINT,
    "currency" VARCHAR(3),
    "duration" VARCHAR(16) NOT NULL,
    "duration_in_months" INT,
    "max_redemptions" INT,
    "times_redeemed" INT NOT NULL,
    "redeem_by" TIMESTAMPTZ,
    "valid" BOOL NOT NULL,
    "deleted" BOOL NOT NULL
);
COMMENT ON TABLE "coupons" IS 'A Stripe coupon: what a discount takes off (a percentage, or an amount in one currency), and for how long.';
        CREATE TABLE IF NOT EXISTS "meters" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "display_name" VARCHAR(255) NOT NULL,
    "event_name" VARCHAR(100) NOT NULL,
    "formula" VARCHAR(16) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "customer_payload_key" VARCHAR(100) NOT NULL,
    "value_payload_key" VARCHAR(100) NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_meters_event_n_96a18a" ON "meters" ("event_name");
COMMENT ON TABLE "meters" IS 'A Stripe Billing Meter (`mtr_…`): what an `event_name` counts, and how its events are aggregated.';
        CREATE TABLE IF NOT EXISTS "promotion_codes" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "stripe_id" VARCHAR(255) NOT NULL UNIQUE,
    "livemode" BOOL NOT NULL,
    "stripe_created" TIMESTAMPTZ,
    "stripe_event_at" TIMESTAMPTZ,
    "synced_at" TIMESTAMPTZ,
    "code" VARCHAR(500) NOT NULL,
    "coupon_stripe_id" VARCHAR(255) NOT NULL,
    "customer_stripe_id" VARCHAR(255),
    "active" BOOL NOT NULL,
    "expires_at" TIMESTAMPTZ,
    "max_redemptions" INT,
    "times_redeemed" INT NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_promotion_c_code_298f34" ON "promotion_codes" ("code");
CREATE INDEX IF NOT EXISTS "idx_promotion_c_custome_04342c" ON "promotion_codes" ("customer_stripe_id");
COMMENT ON TABLE "promotion_codes" IS 'A Stripe promotion code: a customer-facing code redeeming a coupon, with its own limits.';
        CREATE TABLE IF NOT EXISTS "usage_events" (
    "id" UUID NOT NULL PRIMARY KEY,
    "identifier" VARCHAR(100) NOT NULL UNIQUE,
    "value" BIGINT NOT NULL,
    "occurred_at" TIMESTAMPTZ NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "enqueued_at" TIMESTAMPTZ,
    "forwarded_at" TIMESTAMPTZ,
    "failed_at" TIMESTAMPTZ,
    "attempts" INT NOT NULL,
    "last_error" TEXT,
    "customer_id" UUID NOT NULL REFERENCES "customers" ("id") ON DELETE RESTRICT,
    "meter_id" UUID NOT NULL REFERENCES "meters" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_usage_event_forward_c6f744" ON "usage_events" ("forwarded_at");
CREATE INDEX IF NOT EXISTS "idx_usage_event_custome_6f589e" ON "usage_events" ("customer_id");
CREATE INDEX IF NOT EXISTS "idx_usage_event_meter_i_062757" ON "usage_events" ("meter_id");
CREATE INDEX IF NOT EXISTS "idx_usage_event_custome_83017e" ON "usage_events" ("customer_id", "meter_id", "occurred_at");
COMMENT ON TABLE "usage_events" IS 'One usage event, persisted before it is forwarded to Stripe as a meter event.';
        ALTER TABLE "invoices" ADD "total_discount_amount" BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE "invoices" ADD "next_payment_attempt" TIMESTAMPTZ;
        ALTER TABLE "invoices" ADD "failure_notified_attempt" INT;
        ALTER TABLE "invoices" ADD "attempt_count" INT NOT NULL DEFAULT 0;
        ALTER TABLE "subscriptions" ADD "past_due_since" TIMESTAMPTZ;
        ALTER TABLE "subscriptions" ADD "discounts" JSONB;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "invoices" DROP COLUMN "total_discount_amount";
        ALTER TABLE "invoices" DROP COLUMN "next_payment_attempt";
        ALTER TABLE "invoices" DROP COLUMN "failure_notified_attempt";
        ALTER TABLE "invoices" DROP COLUMN "attempt_count";
        ALTER TABLE "subscriptions" DROP COLUMN "past_due_since";
        ALTER TABLE "subscriptions" DROP COLUMN "discounts";
        DROP TABLE IF EXISTS "usage_events";
        DROP TABLE IF EXISTS "promotion_codes";
        DROP TABLE IF EXISTS "coupons";
        DROP TABLE IF EXISTS "meters";"""


MODELS_STATE = (
    "eJztXWtz2ziy/SsofdmkSpuyZcf2zd66VbajZLXjR8p2dqd2PEVDJGxxzYeGBO2oZvPfL8"
    "CHxAdIk9QLhPpLYoFoiDqNR6NPo/Fnz3YNYvkfTqfmL2TW+4T+7DnYJuyP3JM+6uHpdFHO"
    "CygeW2FVPDW1ZzILC/HYpx7WKSt/xJZPWJFBfN0zp9R0HVbqBJbFC12dVTSdp0VR4Jh/BE"
    "Sj7hOhE+KxB7/9zopNxyA/iJ98nD5rjyaxjMzLmgb/7rBco7NpWPb9++jzl7Am/7qxprtW"
    "YDuL2tMZnbjOvHoQmMYHLsOfPRGHeJgSI/Uz+FvGvzgpit6YFVAvIPNXNRYFBnnEgcXB6P"
    "3vY+DoHAMUIzvGPvnAv/X4/+I3TNXWtKvrO+12eKdpvQYQ6q7D4TcdyvH682fU7gKXsLTH"
    "v+D876c37w6O3odIuD598sKHIWq9n6EgpjgSDbFfgK17hEOjYVoE/TN7Qk2biIHPSuYUYM"
    "SiH5I/2igiKVhoYtELE3AT+NYAeI/9QOPasWZxF6hQwN3ocnh7d3r5jX+d7ft/WCF+p3dD"
    "/mQQls5ype8ifblsgEUjb94I+tfo7u+If0T/vr4a5rU6r3f37x5/JxxQV3PcVw0bqd6alC"
    "aosZoLrQdTo6XWs5KgdVm0nmCUUnv89guth/8X9H0+wZ5Y10n9nJYZWl3Uq41/aBZxnuiE"
    "fdwfnFQo9p+nN+GUymrltHUVPxpEz35m8J165NH80QThhcS6MC6sXZuD+KgOwvnhkAL4KI"
    "8vM0u0CfYnTRBOy6wG47fNg41BfHRYA+Kjw1KI+aMsxL7u8jYKAP/j9vpKDPBCIr8YmDpF"
    "/0WW6dN1TRcpO2wcmBY1Hf8D/75t2GAcocw6kMD87vL017wGzi+uz/ITPG/gLKcOj7y4z6"
    "3W6azkCtbpuJfLMp13d1kuWmMW9qkW+K30nJcFTcumab7PfXxObb54wRjrz6/YM7TCE3fg"
    "ltUtPrIHdr4EO/gpVBJHk79nsvcPDJMOHeqJPQOLp/1K7wCvpxFW0STgItgNF4Gr64HntZ"
    "qdcqKb2S5u1B7r5m6xjo9gyn64bk6x1WxDkxJScE+zjm0js58ZHvy9GgCdEVIP6NXvbNzx"
    "f4hONdNotLvJSsEOZ+U7HNMg9tSlxNFnnHZoMgQEoq0GgmT2bnYgDD5+rDESWK3SoRA+y+"
    "3y2RtMieYR9oN93rubwC4UBuCbAE9emAXdDva0KIBeC/R23Vz1/r2GFTagutuMYUiJKEgy"
    "HAxqQHwwKIWYP8pCbBCKTYFBXm7ALCSWMl4k68qbsFIk8ducu8E0BKfgs4mf9Kv8NXpYp5"
    "6npneKbsNFBkVSn9DrBFOEkWH6rMShiOJn4iP38RG9w4htQHS2FrG37iPXQ9hB2A5rmQ5y"
    "HdYI3/kz2+x9nz0z0COrM3FfkeU6Tx96OS1v+KvB89QNzxMEp5SvNOo6niA4RTWt1wlOif"
    "c3rTZFS9joMtP7a9kNWeYL4etCEeYz17UIdkp4xpRYDugxk1vXWJqXbHbNOru+vsiMm7PR"
    "XQ7j75dnw5t3+yH0rJJJw+LR1Z14yx8vSE1ntKI0ELzyTGLFtSvjpWm+gAnEQd9S63vm6K"
    "1MlYwg6FhmHW80bFYyPW7AIIk38xrb2xdR/mK5mJZQzVm5HNqPXLB7eFfA+/n6+9nFEH27"
    "GZ6Pbkexk2s+UMKHWVvkZnh6kcM6cpOIoT4zn0ZOCdZZuRzU7N27BzR7XfbfX/9nMDg4OB"
    "7sHRydfDw8Pv54snfC6oYvXHx0XGUxjr5y2y/T7YvGYOKYajKdpGXUm1IO6rjIyz3kBQd5"
    "0DyUIi2jIAux+jj8BDDNdDTbdehEEFJROpWIhRWaUgb7h8eHJwdHh/OZZF5SNYEUJwuuRY"
    "/wIAf+Jk0wFkgCwEWAuWnth0ARW7Q1L8W3KNgK3lbzxl5HwI3Q0caCte6tkwspQdgZybwz"
    "esGWyF9b6Uicy2zQi5i4cDvrRDSIRYTew0qoU1Lgsn0DbVnY/sCnrh1S0kW+P3nWr2T841"
    "pwOgM4cuDIu8iWAke+i1oHjlwelzRw5MCRw64ROHLQN3DkoOM6Oia28FxCuVUyF1gTpbU9"
    "i+RgsFfr2MdexbmPvbxFAjEIC4OvDp/FalUYfAVGyyYU8x12EeLykzVpGTkOBvOvVeZgcP"
    "wDtCme2XylZ3BPXENrtQWq05aKI2UNWyPwREvkiU6pxfSnARVlbjuLJb/8ckOssjiH2An6"
    "OWqlex3/Z9LhktKewHtiOi+uqS+L0ShqpYOOsVogxVPkkiB9i1pRtCNll5HVQHUZtqUoYH"
    "4wnje+JFy3qaZUHYOBj59iB8eSaH3nLQ1f6g3FzmC1CQL2lvi+WXLuOlelX4eO1fyodu2j"
    "2HF9RN1n4vzFR7qFTdtH7xzWLzxEJyR68p6fcO4j19EJinN+9tHrhDjhyefxjP3t2qLz1i"
    "tt/965d27cVx9hj6Bp4DFo+eFtPEP4kUbNzRD5MTU98jcuRHkD7B/Ti74lEvTII89kyVqe"
    "veIZnNQGFhr4yK25/YCF3kWt12Gh/0PNJs6XuLpyzPPqEyjNbYVmS1dObJVr2Hb96sssVS"
    "mrjTXHZhpRIHJ5p80IQXrNt/uu6ftBq5UgI6jgQtDdiV/A8oUWvN9Cy1lJ9fJAq6RluHRi"
    "l7TcbF3MSqnHma0swbck5wkSRkfgxkqRPeXuqzSvBIcJwI0DbpyObejBjbOLWofDBPJEzM"
    "BhAjhMIJfJ291JDA4T7Ly+4TCB+jqmmAaCyJcqsySRUM9Xv/pbJKJsbgJ75M0McAKE15jq"
    "Zp0Q7076N+mgX2f+N2a2+c2yvy0k1PNmrp7mIy+mwXoj0YyAtMjtJBCHpVjmpVhn4+aJtD"
    "t1I5JVb4ytxWew9UgQuQ5YriYQJAnbb4ZpVgqCawTUVgHiIr5fXI+YT84vZBaiPGKvgh1d"
    "5NxqfIJETlwLUeus2MOvc4Ir168YANEZOf7ohk3bN6Pzu55wTlgBuOlMYl2cCN4ENzcRlq"
    "C7HUp2tLi29oborpelO0sr9ato2vRVuF5Yfw2M7W/Z2735lbu/A4srIYsr783tKkR2pOfk"
    "hjdWL3NLtdzorsUKztxxXxfjjJCCSK9+T5/cdDzB/qSZ5yQrB2DXALvKtz10ArtgwW3Yz1"
    "0Emz3Upp7L1x+/4TrYG11p326uvzKT6/YTSrVz75xfX367GN4NP39CumtP5+khtn+7AXs/"
    "fmWugK8vzwWTloF7ltsnfelW/Jkk2/XOORUtV28XX54RBMexzDqeT+ptxnJOFjQtm6YliW"
    "5PcvGIHCiLND0VbpNURiCIblfeL9It6wLinN+eoCC6fRe1DtHt8vjoILodotvBtobodtA3"
    "RLeDjiG6ffvR7U5gj0VRMhXJ8ucS6oUnriNLFQSxrzeIPTprwWOkBVb1m2c0EjllriTe8C"
    "GNGMUpFl5t+zb8iSDgvxT+Hr8hxuGv10YJGWnQRDtNUJeKYsiq4J+LAOZLYK4Zpq+H/bjN"
    "Ub3SJkAn7XQyYTsAtrmK2SIt8ASD4o78KFGHWFoFS7NqVzb89S6zIStEh8w3ZRfXV1+T6v"
    "mQkZIDHA7l/7Vy8Va1odxVZGvx+KYvc2ing/IWQAN1NDAlnhleX4W9xo6ivCz4imT2FcXa"
    "Ik5jT39WErQss5Yt0xHdSlUebjoXgFjT9rGmmFJiT6mmiy3s8h1mXk4Zs3qwf3h8eHJwdD"
    "i3puclVUZ00WB2mDE8v2wxxqvpBFbWBkxlMk9lj9i0Ao+w59RkP8go137p+KpqotVQk0zd"
    "qx5sW88VIBm/tJpkAZk9SjNkBaKQiaEqa8B2TrbL2W1XdLS9rCuvAOKGNzBK2X/fRFkwhj"
    "NIs/dAV98vLqqSCMClqtu8yPGSacrrCU4GRA/6VecCbF6l9k2Nt6EHC52ZFtuXPaGwffTu"
    "waaedh8M9gZHD+8/odcJpgg76CEKxuLv9IDCLYTfD69SnLivyKQ+iq79DO9DxE9sDn3iah"
    "Zd4Lipr4XTDfIson0Epxt2J84dTjfsotbhdIM8TAucboDTDVLa0h2cxOB0w87rG043KK9j"
    "fmGchWfhTrOJcZKXUzBKfC0WymJf3wTtrJR6p0r29/bqpIXa2yvPC8WfZaF+dD07sHATnF"
    "MiCnbo1efekvFslFIAz9mDKZ5ZLja0hhksy+Q3mI4usfKzPEhH55QXbAWkrTKEwhvURPj9"
    "HQO/QeailJPNx0/xRmNJDuc7b2n4srLM5urzOAnrJWByUoRYOZeT5t4gxxOwIMCCdMwfDi"
    "zILmodWBB5fAzAggALAh5TYEFA38CCgI7rjWn5/Jgq5XiCG4y3nZxFJ8y6a5cgJy2szNm5"
    "benhMWC/ua0eFsKgh3Z6iO+4XUod5W0odNwNblrfNpm44iR16XcqgFyeDScnBmlwmqfB0S"
    "0zTF1D2BZfYANVdPC8oArobyLfSnwK3SYMLmO5vEOiNkAN9dyQDAyfastcSV/RBKQeanQx"
    "fSv4xdKAfB3kk/xxrYAXCgPudXBP0lHoQgKkIvQvJ6feJL/61NIG0Xlqo8ZY5+UA67exTv"
    "qnTXwek9TEhheIqoD4xu34bSdukWsuX03elmSlaxh0lZECSOXL1iIlsGtI1mIu7q1cEtzU"
    "DZhKYpsds0tkZ+FHjwIqysDYJLL3c9RKB92EpWG92VvRuVt6SYxuwkZUgmgDkc+XoceoVx"
    "7/HFfo14iCjt1PEAwNwdAQDN3FsFgIht5FrUMwtDz+QAiGhmDo7vit5J7EIBh65/UNwdDK"
    "6zhUSwOjJKmvYgzWyiOhxx4WXQ5Tju5cQAXKZt3oWtinh03QnQuoh24dBrKcgCzwj+THVL"
    "NdhzVdgPfWxpZVGi6bEVQoQvZgcHw0j4nlH6qiYG8vTy8uisYyx2ZGsICbeRvTRA4gzcUk"
    "UKxPWtkoOVGwUmS2UoCNB+pYJnqzijquw2+ulZnyOLEsYqS8mHGuYKJ4FSCggIACAqqLVA"
    "QQULuodSCggIACAgoIKPW3gUBA7Zi+gYBSXsfPZjOKJKm/wVTK02TjvH6j5KSGSXJSapCc"
    "FA5He64R6LTlqWiRsHrUyVrsQMfUn5ve+5CWAZhrwYx1yiznhsb2QmiDpnayz+mspQ1JW9"
    "adtIX9SKq1SZ6WE1SII9xwYiKP8B7L3ktj70G8F2w16e1iafVm8tVffFJETtPFw6B0DFQ1"
    "odCAGOwfHh+eHBwdzsfBvKSq+0ddvUD+bYugcm2X//5z7vESElXpCv1qwiquGqYXaHor+F"
    "wacelPCKOE2PvrI9b5xd28HHnEIMTmHzG/nnvqOn30atJJeDe3++ogy7TZnxX3gK/hi4Bl"
    "A5YN+BZg2UDrwLIBywYsG7Bs4JEHlg30DSwb6FgQQN0wad9SyfpqrJLbM0g+1rqs9GPFZa"
    "UfizfFRpv1lnlXBbIKOssh461SJjgwbxuzvsmPqcmWghYLdFYSVmiZV2g+ZLn/1w5REORy"
    "K6U+BJLAeBSHEe/ivha52EWb2FJ8i4LKXMijAp0U5y0U8EiLjIblBFIqdSIceQIyBsiYjr"
    "nlgYzZRa0DGSPPThDIGCBj5No5dHcSAzJm5/UNZIzyOoYLsuHi2S1Cv84zDD7FNBA4L6ss"
    "7kRCRXRXnvSQ2W2+6FLfqmMJiYR6RxHWd/Nac5yLkoD323gnd580c4NmpVbpDt0ucdve61"
    "lwxhcgLuLbOK/bt0VLncT1zbxu2X5VciPYdmiO22Cc/ukFsiPzvF9FefipmkB8APEBxEcX"
    "XeBAfOyi1oH4AOIDiA8gPtR3kgLxsWP6BuJDfR1L6B3enlGyeudwmKiubbK3gqh67su1mI"
    "F/BNihJhWQSqVkXlpkc3Te/rowXnGgdsS4UW1KPNM1WJ/EXnOvRUkbsD7IvD7ktEZEmUEb"
    "6Z0Ic4WC1uXSOicdLGbAVeq9ck9d1gTsr5tkeAxBbOckzorCeJN5vLGx0UrJaTnQsMwaZr"
    "8UW22Wz4wg6FhmHVsMdZ9qpvPitt70VbUBu79au7/4nbUkcsAmDDajnTrqtAVqqaWWKQ58"
    "oo3JBL+YruBKwwpHSEFSPcjX4HkKUWPTW2C3ylQgkof1R+b1Z4rZymEEbNUw45ixZvrOS4"
    "O2Zda2YfphOm2B8/4ft9dXJetZWiivX1On6L/IMv0Opqao0CxHI6PUZNZ8d3n6a35CPb+4"
    "PstrizdwVpbmaFvXH0vGo6wlTHY79x/LiexSFyDXiZRNhYFGmw/BxHIWS3755YawnYopDK"
    "qPER9FrXR2KikAnhn/JiX2kgClw4NHrLl1uUG3AdWmwq5D3N4IvU6wrRd+rc01CzHYEIMN"
    "Mdgdi8aFGOxd1DrEYMvj54MYbIjBltKg7+AkBjHYO69viMFWXscSxAhLZ4dCkDAECUOQcE"
    "cmMAgS3kWtZ72mjdyWAlGgwiqpMD+XS2RJOiyfmqSTCL9JiQm6WYYWOz+9PT/9PNxW/pjv"
    "Pisf8q1YT0BhpJ72q8iLgNeLdnQ1L1u+dggKpVAo1Uds1vVNn2kfjckj60rIpMj0EfuT/0"
    "hWTN3k2mTsI4xshp8XCRdvWF5p6/fOvfNgGuxPk4HqPXDBqBOidxh5ZEpw2Bjr/Kxl4z3C"
    "jsE/R+39xUes/YA1/Exm7GvcD+jhBVsBCdvB6HXiWuTecQJ7TLw+//a5XOolfETxM3/rD+"
    "gbW5jYz/yEHuZvz3ZYD+G3PvBsY/HnsUsnobZr3gv9W4bqDr877Kx6uC6Gu7jfgTGSgTFa"
    "9MUm27SslHJ+5P1aF7jtV1zgtl+8wC0cqAInckVG1rkIJGQV+ZxrJWRNzzkNjficqIL0mE"
    "rmO3DfO6Fm4jBIg5anyzKisBuXWc9pg7SpovOyG9G0JFvy7ik62WY01nJaEAazzDrGlPK7"
    "I5tcOZkWgcsQ81atxQ+3EM8THTy7Iz9KMM1KqXDorGqQDH+9y4yPwjGJ+Ri5uL76mlTPn5"
    "2AYxLrckqkPITcQdQQ0rQM4AnHTjZ77KTQe1eA7WXSjprApgesVGnv/0XGE9d9LiUuMs/7"
    "VdTFa1SzCXkBZy667kEHv1Mp4B2NvoczF7uo9QZnLqJw41YnL9KiyvFma4lrDOFpAHRSX7"
    "1svvuDkzq05OCknJbkz7Lw4qmpvfCIhmZXkeXEVPAlrPseMjhItPMHiWRbqru7NAtOHeCZ"
    "5WKBnsuzx6RElsod0yG1riV5TFXS/aET2AUHSG6kbTwBf28aBb413Gn2vg2vPo+uvn5Csf"
    "y98+3m+nx4exsVeq5OfD9dPvw8LybGvfPldHTBiyLq6t4Zfb26vuEFcbxfr41VcFTHKMiP"
    "zJRNcFQwCYCtAbZGBbYGYkV2ZOmfT7zRCatWGi9tBHTfAd0vo3LQtLSaLrCa26GIToln6p"
    "OegByKn/SraCG8qCMNHVRqyQldkwIbLu7o8nomV2LDldM+LXxmy/rLZNtmbsD5ywdVA4Tj"
    "6gqiu5YjKewbaUxq13WZpETAZdLQZbLVxezn/wNi9ke/"
)
