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
        ALTER TABLE "invoices" ADD "failure_notified_attempt" INT;
        ALTER TABLE "invoices" ADD "next_payment_attempt" TIMESTAMPTZ;
        ALTER TABLE "invoices" ADD "attempt_count" INT NOT NULL DEFAULT 0;
        ALTER TABLE "subscriptions" ADD "past_due_since" TIMESTAMPTZ;
        ALTER TABLE "subscriptions" ADD "discounts" JSONB;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "invoices" DROP COLUMN "total_discount_amount";
        ALTER TABLE "invoices" DROP COLUMN "failure_notified_attempt";
        ALTER TABLE "invoices" DROP COLUMN "next_payment_attempt";
        ALTER TABLE "invoices" DROP COLUMN "attempt_count";
        ALTER TABLE "subscriptions" DROP COLUMN "past_due_since";
        ALTER TABLE "subscriptions" DROP COLUMN "discounts";
        DROP TABLE IF EXISTS "promotion_codes";
        DROP TABLE IF EXISTS "coupons";"""


MODELS_STATE = (
    "eJztXWlz2zgS/SssfdlMlTblK443u7VVPpSsZnykbGdnaiZTLJiELax5DQnaUc3kvy9AkR"
    "IPkCIpUQKh/pJYIBqiXuNo9Gs0/hzYromt4O2pR37C08EH7c+Bg2zM/sg9GWoD5HmLcl5A"
    "0YMVVUUe0Z/xNCpEDwH1kUFZ+SOyAsyKTBwYPvEocR1W6oSWxQtdg1UkztOiKHTIHyHWqf"
    "uE6QT77MFvv7Ni4pj4Gw6Sj96z/kiwZWZelpj8u6NynU69qOzLl/HFx6gm/7oH3XCt0HYW"
    "tb0pnbjOvHoYEvMtl+HPnrCDfUSxmfoZ/C3jX5wUzd6YFVA/xPNXNRcFJn5EocXBGPzrMX"
    "QMjoEWI/uAAvyWf+v7f8dvmKqt69c39/rd6F7XBw0gNFyHw08cyvH68/us3QUuUemAf8H5"
    "f05v3xwe/xAh4Qb0yY8eRqgNvkeCiKKZaIT9AmzDxxwaHdEi6BfsCSU2FgOflcwpwIxF3y"
    "Z/tFFEUrDQxKIXJuAm8HUA+ID9QPPGsaZxF6hQwP34anR3f3r1mX+dHQR/WBF+p/cj/uQg"
    "Kp3mSt/M9OWyATYbefNGtJ/H9//R+Eft15vrUV6r83r3vw74O6GQurrjvurITPXWpDRBjd"
    "VcaD30zJZaz0qC1mXReoJRSu3x2y+0Hv1f0Pf5BPliXSf1c1pmaPVRrzb6plvYeaIT9nH/"
    "4KRCsf89vY2mVFYrp63r+NHB7Nn3DL6ejx/JtyYILyS6wriwdm0O4uM6COeHQwrg4zy+zC"
    "zRJyiYNEE4LbMejJebBxuD+PioBsTHR6UQ80dZiAPD5W0UAP7x7uZaDPBCIr8YEINqf2kW"
    "CWhX00XKDnsIiUWJE7zl37cNG4wjlFkHEpjfXJ3+ktfA+eXNWX6C5w2c5dTh4xf3udU6nZ"
    "Vcwzod93JZpvP+LstFa8xCAdXDoJWe87Kgadk0zfe5j8+pzRcveEDG8yvyTb3wxD1wy+oW"
    "H9kHdr4EOegpUhJHk79nsvcPTUJHDvXFnoHF02Gld4DX0zGrSDC4CHbDReAaRuj7rWannO"
    "hmtosbtcf6uVus4yPw2A83iIesZhualJCCe5outo3MfmZ48PdqAHRGSD2g17+zcR/+hw2q"
    "E7PR7iYrBTucte9wiIltz6XYMaacdmgyBASirQaCZPZudiAcvHtXYySwWqVDIXqW2+WzN/"
    "Cw7mP2gwPeu5vALhQG4JsAj1+YBd0O9rQogF4L9HbdXPX+3cEKG1LDbcYwpEQUJBkOD2pA"
    "fHhQCjF/lIXYxBQRgUFebsAsJFYyXiTrypuwUiTx25y7oReBU/DZxE+GVf4aI6pTz1MzON"
    "XuokVGm0l90F4niGpIM0nAShyqUfSMA819fNTeII1tQAy2FrG3HmquryFHQ3ZUizia67BG"
    "+M6f2WY/DNkzU3tkdSbuq2a5ztPbQU7LG/5q8Dz1w/MEwSnlK426jicITlFN63WCU+L9Ta"
    "tN0Qo2usz0fie7IYu8YL4uFGE+c10LI6eEZ0yJ5YB+YHJdjaV5yWbXrLObm8vMuDkb3+cw"
    "/nJ1Nrp9sx9BzyoRGhWPr+/FW/54QWo6oxWlgeCVZxIrrl0ZL03zBUwgDvqWWt9Tx2hlqm"
    "QEQccy63ijYbOS6XEDBkm8mdfZ3r6I8kfLRbSEas7K5dB+5IL9w7sC3oubL2eXI+3z7eh8"
    "fDeOnVzzgRI9zNoit6PTyxzWMzeJGOoz8jR2SrDOyuWgZu/eP6DZ67L//v6Pg4PDw/cHe4"
    "fHJ++O3r9/d7J3wupGL1x89L7KYhx/4rZfptsXjcHEMdVkOknLqDelHNZxkZd7yAsO8rB5"
    "KEVaRkEWYv1x+AlgOnF023XoRBBSUTqViIUVmlIO9o/eH50cHh/NZ5J5SdUEUpwsuBZ9zI"
    "Mc+Js0wVggCQAXAeamdRABhW3R1rwU36JgK3hbzRt7PQF3ho7+IFjrlp1cSAnCzkjmndEL"
    "skT+2kpH4lxmg17ExIXbWyeiiS0s9B5WQp2SApftErRlYfvDgLp2REkX+f7k2bCS8Y9rwe"
    "kM4MiBI+8jWwoc+S5qHThyeVzSwJEDRw67RuDIQd/AkYOO6+gY28JzCeVWyVygI0prexbJ"
    "4cFerWMfexXnPvbyFgnEICwMvjp8FqtVYfAVGC0bU8R32EWIy0/WpGXkOBjMv1aZg8HxD9"
    "A9NLX5Ss/gnrim3moLVKctFUdKB1sj8ERL5IlOqYUEXkhFmdvOYsmPP91iqyzOIXaCXsxa"
    "6V/H/550uKR0IPCeEOfFJcaqGI1nrfTQMVYLpHiKXBGkz7NWFO1I2WVkPVBdRW0pClgQPs"
    "wbXxGuu1RTKo3BTZCKdzgISMlZ4lyVYR2KUQ9mtWsfL47ra9R9xs7fAs2wELED7Y2DX7Cv"
    "0QmePfmBn9odai7b/WtxHsuh9jrBTnSa92HK/nZt0Rnitbb/1fnq3LqvgYZ8rHmhz6DlB5"
    "LRVEOPdNbcVMPfPOLjf3Ihyhtg/xB/9i0zQR8/8uyMrOXpK5rC6WNgVoFj25orC5jVXdR6"
    "HWb1f5Q0cSjE1ZVjU9efFGhuKzRbunJi61zDtusrXmWpSlltrDk204iCa8s7bUYIUkYu77"
    "skCMJWK0FGUMGFoL8Tv4C5iiz4oIWWs5Lq5TZWSctwkcIuabnZupiVUo8HWlvSakli5BOW"
    "QuDGShEY5e6rNFcCAfLgxgE3Ts829ODG2UWtQ4C8PFEgECAPAfJymbz9ncQgQH7n9Q0B8u"
    "rrmCIaCmJfqsySREI9X/36b0aYZSgT2CNLs5oJEO4wfUuXEO9OSjPpoO8ypxkz24JmGc0W"
    "Eup5M9dP8+EXYrLeiHUzxC3yFQnEYSmWeSk22Lh5wu1Okohk1RtjnfgMth4JItehwfUEgi"
    "Sh6M0wzUpBcI2A2ipAXMT3o+tj8uT8hKcRymP2KsgxRM6txqci5MS1ELXOin30Oie4cv2K"
    "ATA798Uf3bJp+3Z8fj8QzglrADedHauPE8FScHMTYQm626Fkx4urWG+x4fpZurO00rCKpk"
    "1f7+pH9TtgbH/L3ljNr5H9HVhcCVlceW8jVyGyIz0nN7yFeZWbl+VGtxMrWN7L3pXa0ye3"
    "905QMGnmOcnKAdg1wK7ybY+c0C5YcBv2cxfBZg91z3f5+hM0XAcH42v98+3NJ2Zy3X3QUu"
    "18dc5vrj5fju5HFx80w7W9ecqD7WfsZ+/Hr4EV8PXl+U3SMnB3cPtEJv2KP5Nku947p6Ll"
    "Gu3iyzOC4DiWWcfzSb3NWM7JgqZl07Qk0e1JfhmRA2WReqbCbZLKcgPR7cr7RfplXUCc8/"
    "IJCqLbd1HrEN0uj48Ootshuh1sa4huB31DdDvoGKLbtx/d7oT2gyhKpiIB/FxCvfDELrJU"
    "QRB7t0Hs8Q3yZiiyqpffPB/LKXPN7oYPacQoekh4Xety+BNBwH8l/H1+64nDX6+NEjLSoI"
    "l2mqAuFcWQVcE/FwHMV8BcN0lgRP24zVG90iZAJ+10MmE7ALa5itkiPfQFg+IefytRh1ha"
    "BUuzalc2+uU+syErRIfMN2WXN9efkur5kJGSAxwO5f+1cvFWtaHc9VqdeHzTFxS000F5C6"
    "CBOhrwsE+iK5mQ39hRlJcFX5HMvqJYW9hp7OnPSoKWZdayRRzRTUvl4aZzAYg1bR9riijF"
    "tkd1Q2xhl+8w83LKmNUH+0fvj04Oj4/m1vS8pMqILhrMDjOG5xcIxng1ncDK2oCpTOap7B"
    "ERK/Qxe04J+0FmufZLx1dVE62GmmTqXvdg23quAMn4pfUkC8jsUZohKxCFTAxVWQO2c7Jd"
    "zm67pqPtZV15DRA3vFVQyv67FGXBGM4gzd5Du/5yeVmVRAAuCt3mRY4JWoKzASkgy88GpH"
    "UGZwPgbACcDehZlDicDdhFrcPZAHl4CjgbAGcDpLREeziJwdmAndc3nA1QX8dwNgAy33cM"
    "8XaDeg3MrLt2gdVpYWU4123p4TFkv7mtHhbCoIeWN0HMcqOvpI7yNhSiSeGGDsUON6XfqQ"
    "ByeRR1TgzCp5uHTxsWiUKeMdviC2ygig6eF1QB/U3E6cbRSzZmcJmrxauL2gA11HNDMjAC"
    "qq9ylUlFExCy3uhCk1bwi6UB+TrIJ+eOWgEvFAbc6+CehDEaQgKkHPK8nHqT/PpTEpjY4C"
    "HxjbHOywHWy7FO+qeNgwA9CeAut+EFoiogvnE7ftsBv3LN5euJ901WuoZBVxkpgFS+KF8p"
    "ge0gyJcs8h2vCG4qc7KS2GbH7ApRvSYJvJCKTu41ieq9mLXSQzdhaVhv9jYN7pZeEaPbqB"
    "GVINpA5PNV5DEalMc/xxWGNaKgY/cTBENDMDQEQ/cxLBaCoXdR6xAMLY8/EIKhIRi6P34r"
    "uScxCIbeeX1DMLTyOo7U0sAoSeqrGIO19kjoBx+JkoqVozsXUIGy6RpdCwX0qAm6cwH10K"
    "3DQJYTkAX+EX/zdNt1qOCq6jsbWVZpuGxGUKEI2cOD98fzmFj+oSoK9u7q9PKyaCxzbKYY"
    "CbiZ5ZgmcgBpLiaBImPSykbJiYKVIrOVAmw8UMcy0ZtV1HEdfrNTZsovua139mBYyUT5cF"
    "NvdecDAqogCVSELGspEFC7qHUgoICAAgIKCCj1t4FAQO2YvoGAUl7Hz6QZRZLU3xwBNdsV"
    "d7W3yxolJzVMkpNSg+SkcDjad83QaHuLl0hYPeqkEzvQIcZz9HcDvNMyAHMtmJFBmeXc0N"
    "heCG3Q1E72Ob21tCFpS9dJW9iPbHcXaU5QIY5ww4mJfMx7LHuv6OZK/0V0MW95bxdLqzeT"
    "7x/X6Pf7eZty0fH5o2W4N74wrKoJhQbEShcaFci/bRFUru3y33/OPV5CoipdYVhNWMVVo/"
    "QC9Zirwal2F5m02lxa49IfNKQlxN7fH5HB1BGVaz42Mbb5R1bBDT3XGWqvhE40QgPNfXU0"
    "i9jsz7eDnCY7/SJg2YBlA74FWDbQOrBswLIBywYsG3jkgWUDfQPLBjoWBFA3TNq3UrK+Gq"
    "vk9gySd3t7NQwSVqvUIIme5Zzj0Wa9Zd5VgayCznLIeKuUCQ7M28asb/zNI2wpaLFAZyVh"
    "hZZ5heZDlvt/7QgFQS63UupDIAmMR3EY8S4e6DMXu2gTW4pvUVCZC3lUoJPivIUCHmmR0b"
    "CcQEqlToQjT0DGABnTM7c8kDG7qHUgY+TZCQIZA2SMXDuH/k5iQMbsvL6BjFFex3BBNlw8"
    "u0XouzzDEFBEQ4HzssriTiRURHftSQ+Z3RaILvWtOpaQSKh3FKG7m9ea41yUBLyX453cfd"
    "LMDZqVWqc7dLvEbXuvZ8EZX4C4iG/jvG6fFy31Eteled2y/arkRrDt0Bx34UP6pxfIjszz"
    "YRXlEaRqAvEBxAcQH310gQPxsYtaB+IDiA8gPoD4UN9JCsTHjukbiA/1dSyhd3h7Rsn6nc"
    "NRorq2yd4Kouq5LzsxA/8IkUMJFZBKpWReWmRzdN5+VxivOVB7xrhR3cM+cU3WJ5Hf3GtR"
    "0gasDzKvDzmtYVFm0EZ6x8JcoaB1ubTOSQeLGXCVeq/cU5c1AfvrJhkeIxDbOYmzojDeZB"
    "5vbGy0UnJaDjQss4bZL0VWm+UzIwg6llnHFkM9oDpxXtzWm76qNmD3V2v3F7+znkQO2JjB"
    "ZrZTR522QC211OKhMMD6A56gF+IKrjSscIQUJNWDvAPPU4Qam95Cu1WmApE8rD8yrz8eYi"
    "uHGbJVg8QxY830nZcGbcusbZMEUTptgfP+x7ub65L1LC2U1y8xqPaXZpGgh6kpKjTL0cgo"
    "NZk131yd/pKfUM8vb87y2uINnJWlOdrW9ceS8SidhMlu5/5jOZFd6QLkOpGyqTDQ2eZDML"
    "GcxZIff7rFbKdChEH1MeLjWSu9nUoKgGfGP6HYXhGgdHjwmDXXlRt0G1BtKuw6wm1J6HWC"
    "bb3wa32uWYjBhhhsiMHuWTQuxGDvotYhBlsePx/EYEMMtpQGfQ8nMYjB3nl9Qwy28jqWIE"
    "ZYOjsUgoQhSBiChHsygUGQ8C5qPes1beS2FIgCFVZJhQW5XCIr0mH51CS9RHgpJSboZhla"
    "7Pz07vz0YrSt/DE/44eJ6z6P+GZsICAxMs+HVQTG66zmbF8H5AWQF0Be9NGNDeTFLmq9AX"
    "kx89u1ojDSokBk1HEQRPA0ADqpr96x+P2Dkxrwslql8EbPctfVeUR/wX4gNGjLUc6JqRcJ"
    "vv6EnsDI7TwjJ9tS3d+lWRR2P7VcJNBzeRh2SmSlIOweqbWTKOyq7DUjJ7QL3pBtZ7IZeN"
    "gxOYLNFDD4PLq+GF9/+qDF8l+dz7c356O7u1mh7xo4CNLlo4t5MTa/Oh9Px5e8iGfE5p/H"
    "n65vbnkBeXJcfzbNNLYKjusYBfmRmbIJjgsmAaX8yswmN22mReAOyPxKZPEzPdj3Reft7v"
    "G3EkyzUipYWFXLzeiX++p5ab7aXN5cf0qq5yer3P3ADvvZYcsj/RlRoECkXvrnE++Mqmyl"
    "8dJGQPc90P0qKgdNS6vpAhW3HYroFPvEmAwE5FD8ZFhFC6FFHWnooFJLTuiaFNhwcUeX1z"
    "O5FhuunPZp4TNb1V8m2zZzA85fPqgaIBxXVxDd/b29Otu8vb3yfR5/lgsVcx0qvP+m3GWS"
    "EgGXSUOXyVYXs+//B5mdoXo="
)
