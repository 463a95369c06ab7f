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
        ALTER TABLE "invoices" ADD "total_discount_amount" BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE "subscriptions" ADD "discounts" JSONB;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "invoices" DROP COLUMN "total_discount_amount";
        ALTER TABLE "subscriptions" DROP COLUMN "discounts";
        DROP TABLE IF EXISTS "promotion_codes";
        DROP TABLE IF EXISTS "coupons";"""


MODELS_STATE = (
    "eJztXWtz2zYW/Sscfdl0RpuxZcf2Znd2xg8lVePX2M6206bDgUjYQs2HSoK2NW3++wJ8SH"
    "yAFEmJEkjdL4kF4kLUuSRwcc8B8FfPtHVsuO9Pp+QLnvU+Kn/1LGRi9kfqSl/poel0Uc4L"
    "KBobflU0JeoznvmFaOxSB2mUlT8iw8WsSMeu5pApJbbFSi3PMHihrbGKxHpaFHkW+dPDKr"
    "WfMJ1gh1347XdWTCwdv2E3+jh9Vh8JNvTEzRKdf7dfrtLZ1C/7+nV08cmvyb9urGq24ZnW"
    "ovZ0Rie2Na/ueUR/z234tSdsYQdRrMd+Br/L8BdHRcEdswLqeHh+q/qiQMePyDM4GL3/PH"
    "qWxjFQQmTHyMXv+bce/ze8w1htVb2+eVDvhw+q2qsAoWZbHH5iUY7XX9+Ddhe4+KU9/gXn"
    "P57evTs4+sFHwnbpk+Nf9FHrffcNEUWBqY/9AmzNwRwaFdEs6BfsCiUmFgOftEw5QA9N30"
    "d/1HFEVLDwxOIpjMCN4GsA8B77gfqNZczCR6DAAQ+jq+H9w+nVLf8603X/NHz8Th+G/MrA"
    "L52lSt8F/rLZCxa8efNGlJ9HDz8q/KPy6831MO3Veb2HX3v8npBHbdWyX1Wkx57WqDRCjd"
    "VceN2b6jW9nrQEr8vi9QijmNvDu1943f8/4+/zCXLEvo7qp7zM0GqjX030phrYeqIT9nF/"
    "cFLg2P+d3vldKquV8tZ1eGkQXPuewHfq4EfyVgXhhUVTGGfGrs1BfFQG4fTrEAP4KI0vC0"
    "vUCXInVRCO26wH4+XhwcYgPjosAfHRYS7E/FISYlezeRsZgH+6v7kWA7ywSA8GRKPK34pB"
    "XNpUdxGLw8YeMSix3Pf8+7YRg3GEEuNABPO7q9Nf0h44v7w5S3fwvIGzlDsc/GI/1xqnk5"
    "ZrGKfDp1yW7ry9w3I2GjOQS1XPreXntC14WjZP83nu43Ns8sULxkh7fkWOrmau2AM7r272"
    "kjkw0yXIQk++kzia/D6jub+nEzq0qCPODCyu9guzA7yeillFgiFFsBspAlvTPMep1TulTD"
    "czXdxoPNbO2WKZHMGU/XCNTJFRbUITM+rgnKaJaSOLnxke/L4qAJ0w6h7Q65/Z2OM/sEZV"
    "olea3SStYIaz9hkO0bE5tSm2tBmnHaq8AgLTWi+CZPFu8kUYfPhQ4k1gtXJfBf9aapbP7m"
    "CKVQezH+zyp7sK7EJjAL4K8PiFRdD1YI+bAuilQK/3mHf9+W5ghPWoZldjGGImHSQZDgYl"
    "ID4Y5ELMLyUh1jFFRBCQ5wcwC4uVghfJHuVNRCmS5G3ObW/qg5PJ2YRX+kX5Gs2vUy5T0z"
    "tV7v1BRgmsPiqvE0QVpOjEZSUWVSh6xq5iPz4q75DCJiAaG4vYXfcV21GQpSDTr0UsxbZY"
    "I3zmz2KzH/rsmq48sjoT+1UxbOvpfS/l5Q1/NWSe2pF5AnFK/kjT3cQTiFO65vUy4pRwfl"
    "NrUrRCjC4zvd/IbMggL5iPC1mYz2zbwMjK4RljZimgx8yuqXdpXrLZMevs5uYy8d6cjR5S"
    "GH+9Ohvevdv3oWeVCPWLR9cP4il/OCBV7dGy1kDwytOJZceuRJam+gAmMAd/S+3vmaXVCl"
    "UShuBjmX28UdmsZH7cQEASTuZVNrfPovzJsBHNoZqTdim0H7lh+/AugPfi5uvZ5VC5vRue"
    "j+5HYZJr/qL4F5OxyN3w9DKFdZAmEUN9Rp5GVg7WSbsU1Oze2wc0u1323z//NRgcHBwP9g"
    "6OTj4cHh9/ONk7YXX9G85eOi6KGEefeeyXeOyzwWCUmKrSncRtutelHJRJkednyDMJcq+6"
    "lCJu00EWYv06/AgwlViqaVt0IpBU5HYlYuMOdSmD/cPjw5ODo8N5TzIvKepAsp0F96KDuc"
    "iB30kVjAWWAHAWYB5auz5Q2BRNzXPxzRrWgrdWv7HXEnADdNSxYKxbtnIhZggzI5lnRi/I"
    "EOVrCxOJc5sNZhGjFG5rk4g6NrAwe1gIdcwKUrZL0JaF7fdcaps+JZ3l+6Nr/ULGP6wFqz"
    "OAIweOvI1sKXDku+h14MjlSUkDRw4cOcwagSMHfwNHDj4u42NsCtcl5Eclc4OGKK3tRSQH"
    "g71Syz72CtZ97KUjEtAgLAK+MnwWq1UQ8GUYLRNTxGfYWYjzV9bEbeRYGMy/tjMLg8MfoE"
    "7RzOQjPYN7YutqrSlQmba6+KY0MDWCTLREmeiYW4g79aho57az0PLTlzts5OkcwiToRdBK"
    "+x7879EDF5X2BNkTYr3YRFsVo1HQSgsTY6VACrvIFUG6DVrp6IOUHEbWA9WV31ZHAXO98b"
    "zxFeG6jzXVpXdwE6TiPXZdkrOWOFWlX4ZiVN2gdunlxWF9hdrP2PqHq2gGIqarvLPwC3YU"
    "OsHBlR/4qt2+YrPZvxLuY9lXXifY8lfzjmfsb9sUrSFea/vfrG/Wnf3qKsjBytRzGLR8QT"
    "KaKeiRBs3NFPw2JQ7+NzeivAH2D3GCbwkMHfzId2dkLc9e0QxWHwOzChzb1lJZwKzuotfL"
    "MKt/UFIloRBW7xybuv5NgeaxQrWhK2W2zjFsu7niVYaqWNTGmmM9jUhcm//QJoxgy8jlzy"
    "5xXa/WSJAw7OBA0N6OX8Bc+RG8W8PLScvu7W3cJS/DQQq75OVq42LSqns80No2rZZEIx+x"
    "FII0VozAyE9fxbkSEMhDGgfSOC2b0EMaZxe9DgJ5eVQgIJAHgbxcIW97OzEQyO+8v0Eg33"
    "0fU0Q9gfalKCyJLLqXq1//yQjBDmWCeGTprmYChBvcvqVJiHdnSzPpoG9yTzMWtrnVdjRb"
    "WHQvm7l+mg+/EJ09jVjVPVxjvyKBOQzFMg/FGntvnnC9lSQi2+69Y43kDLauBJFr0eB6hC"
    "CRFL0apkkrENcIqK0MxFl8P9kOJk/WFzzzUR6xW0GWJkpuVV4VISeuGdU6K3bQ65zgSj1X"
    "DIBg3Re/dMe67bvR+UNP2CesAdz47lht7AiWgpvqCHPQ3Q4lO1ocxXqHNdtJ0p25lfpFNG"
    "38eFfHr98AY/tb8sRqfozs78DiSsjiynsaeReUHfE+ueIpzKucvCw3uo1EwfIe9t6pOX10"
    "eu8EuZNqmZOkHYBdAuyi3PbQ8sxMBLfhPHcWbHZRnTo2H3/ciuNgb3St3t7dfGYh1/1HJd"
    "bON+v85ur2cvgwvPioaLY5nW95sP0d+9n98WNgBXx9/v4mcRs4O7j+Ribt0p9JMl1vXVLR"
    "sLV6+vKEISSOZfbxvFOv8y6nbMHTsnlaEnV7tL+MKIGy2HqmIG0S2+UG1O2dz4u0K7oAnf"
    "PyDgrU7bvodVC3y5OjA3U7qNshtgZ1O/gb1O3gY1C3b1/dbnnmWKSSKdgAfm7RPXliE7tU"
    "gYi9WRF7eIK87omi6uUnz4d2nTlmd8OLNEIUp0h4XOty+CNDwH8l/B1+6onFb6+OExLW4I"
    "l6nqA2FWnIiuCfmwDmK2Cu6sTV/Oe4zlK93CbAJ/V8MmEzADa5Ctki1XMEL8UDfstxh9i6"
    "C5Fm0axs+MtDYkKWUYfMJ2WXN9efo+ppyUjOAg6L8v9qpXiL2ujc8VqNZHzjBxTU80F+C+"
    "CBMh6YYof4RzIhp3KiKG0LuSKZc0Wht7BVOdOftAQvy+xlg1iik5by5aZzA9CarqA13fYa"
    "W8nysutZZJsY26shKzCFFcxFq223syJUzsd2TUtC8x7lNUBc8TQuKZ/fpSgL3uEE0uw+lO"
    "uvl5dFi2/hgL1tHoAWoSXQ1MaAzNfUxn0GmlrQ1IKmtmXqStDU7qLXQVMrT34PNLWgqZUy"
    "Em1hJwaa2p33N2hqu+9j0NTCjtENQ7xdMZyGWXRXT5AYNwYJ0Ip+ePTYb67rh4Ux+KHmDu"
    "rBnsIruSO/jVpekWxYh53tu7koIH5PGZDz1YcpM5AdVpcdagbxpYKYTfEFMVDBA5427AL6"
    "m9C3hRpNEzO49NV0nqI2wA3l0pAMDJeqqxwBUNAESD0rHQRQC36xNSBfBvlIr18LeKEx4F"
    "4G90dEDM/BDEwRAZIPedque538+pfy6ljjUtLKWKftAOvlWEfPp4ldFz0J4M6P4QWmXUB8"
    "43H8tgW/cvXl69H7RiNdRdFVwgoglU/lKyWwDYh8yWKf0BXBje042klsk+/sCqpenbhTj4"
    "pWvFRR9V4ErbQwTZgr603uQs/T0itidOc30iWINqB8vvIzRr18/XNYoV9CBR2mn0AMDWJo"
    "EEO3URYLYuhd9DqIoeXJB4IYGsTQ7clbyd2JgRh65/0NYujO+9h3S4WgJKrfRQ3W2pXQYw"
    "eJNuPJR3du0AXKpml0DeTSwyrozg26h24ZBjKfgMzwj/htqpq2RQVHvN6byDBy5bIJww4p"
    "ZA8Gx0dzTSz/UKSCvb86vbzMBsscmxlGAm5mOaaRHUCa0iRQpE1qxSgpU4hSZI5SgI0H6l"
    "gmerOIOi7DbzbKTDk5p1wGF/qFTJQDJ1wWP3xAQGUsgYqQZSwFAmoXvQ4EFBBQQEABAdX9"
    "aSAQUDvmbyCgOu/jZ1KNIonqb46ACmbFTc3tkkHJSYmQ5CQ3IDnJLI52bN3T6p5+IzLuHn"
    "XSSBxoEe3Z/7sC3nEbgLkUzEijLHKuGGwvjDYYakfznNZG2rBpS9ObtrAfWe8Mv5RhhzjC"
    "DW9M5GD+xLL78k98c15EB1rmP+1i6+715PtHJZ77/XRMuXjw+aVluKua+DXIfQeKmujQCz"
    "HYPzw+PDk4Opy/B/OSosc/eNQz5N+2CCrbtPnvP+cZLyFRFa/QLyaswqr+9gLlmKveqXLv"
    "h7TK3Frh1h8VpETE3j8fkcbc4ZcrDtYxNvlHVsH2prbVV14JnSiEuor9aikGMdmf73spTz"
    "b6RcCyAcsGfAuwbOB1YNmAZQOWDVg2yMgDywb+BpYNfCwQUFfctG+lzfpKjJLbC0g+7O2V"
    "CEhYrdyAxL+WSo77k/Wa+64KbDuYLIcdbzsVggPztrHoG79NCRsKagzQSUsYoWUeofkry/"
    "O/po+CYC+3XOpDYAmMR/Y14o+4qwYpdtEkNhffrGFnDuTpAp0U7lso4JEWOxrmE0ixrRNh"
    "yROQMUDGtCwtD2TMLnodyBh5ZoJAxgAZI9fMob2dGJAxO+9vIGM672M4IBsOnt0i9E2uYX"
    "Apop4geVkUcUcWXUR37ZsesrjNFR3qW7QsIbLo3lKE5k5eq45z1hLwXo53dPZJtTRo0mqd"
    "6dDtErf1s56ZZHwG4iy+lfd1u1201Epcl+7rlnyuck4E2w7Nce+N4z89Q3YkrveLKA83Vh"
    "OIDyA+gPhoYwociI9d9DoQH0B8APEBxEf3k6RAfOyYv4H46L6PJcwOby8oWX9y2N+oru5m"
    "bxnT7qUvGwkD//SQRQkVkEq5ZF7cZHN03n5TGK9ZqB0wblSdYofYOnsmkVM9a5HTBowPMo"
    "8PKa9h0c6glfyOhXuFgtfl8jonHQwWwBX6vXBOndcEzK+r7PDog1gvSZw0hfdN5veNvRu1"
    "nBy3Aw/L7GH2S5FRZ/hMGIKPZfaxwVB3qUqsF7v2pK+oDZj9lZr9hfesRsoBEzPY9HruKN"
    "MWuKWUW6bIc7E6xhP0QmzBkYYFiZCMZfcgbyDz5KPGujfPrLVTgcgexh+Zxx+duP4Gy4J0"
    "7k/3N9c5PVzcKO1folHlb8Ugbgs3KyjwLEcj4dToPXp3dfpL+hU7v7w5S3uLN3CWt/HNtg"
    "7ElSyz3ohwcjsn4sqJ7EpH4pbRTsaEgUE4KuhYzkLLT1/uMItdiVBmHSI+ClppbVeSATzx"
    "/hOKzRUBigtGR6y5phJj24BqU0JcH7clYtwI23KCXHXuWVDlgioXVLkt02eCKncXvQ6qXH"
    "kyP6DKBVWulAF9CzsxUOXuvL9Bldt5H0ugGpUuDgXZKMhGQTbakg4MZKO76PVk1rRS2lJg"
    "ClRYIRXmpnaXWJEOS29W0UqEl1JigscsQYudn96fn14Mt7WjyM94PLHt5yGfjPUEJEbier"
    "+IwHgNagbzOiAvgLwA8qKNaWwgL3bR6xXIiyBvV4vCiJsCkVEmQeDDUwHoqH73FkrvD05K"
    "wMtq5cLrX0sdYDYl6gt2XGFAm49yyqx72uD1b/EIjNzOM3KyDdXtHZoF6Xs0M2wk8HO+DD"
    "tmspIIu0VubUSFXbSfydDyzEw2ZNt7m/Sm2NI5gtUc0LsdXl+Mrj9/VEL7b9bt3c358P4+"
    "KHRsDbtuvHx4MS/G+jfr0+nokhfxPZL559Hn65s7XkCeLNsJupnKUcFRmaAg/WbGYoKjTE"
    "hAKT9EscrZi3ETOBUwPRIZyKUqdhzRCqwH/JaDadKqCxFW0XAz/OWhuF+ajzaXN9efo+rp"
    "zip1YqzFfrZXc5F3whQoEKmH/nnHG1CVtTye2wj4vgW+X8Xl4GlpPZ2h4rZDEZ1ih2iTno"
    "AcCq/0i2ghtKgjDR2UG8kJU5OCGC580OXNTK4lhsunfWrkzFbNl8k2zdxA8pe/VBUQDqt3"
    "EN39vb0y07y9vfx5Hr+WkorZFhWeiJKfMomZQMqkYspkq4PZ9/8DfMN6KA=="
)
