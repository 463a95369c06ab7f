from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "invoices" ADD "subscription_stripe_id" VARCHAR(255);
        ALTER TABLE "payments" ADD "customer_stripe_id" VARCHAR(255);
        ALTER TABLE "payments" ADD "charge_amount_refunded" BIGINT;
        ALTER TABLE "payments" ADD "invoice_stripe_id" VARCHAR(255);
        CREATE INDEX IF NOT EXISTS "idx_invoices_subscri_dae061" ON "invoices" ("subscription_stripe_id");
        CREATE INDEX IF NOT EXISTS "idx_invoices_payment_f9a803" ON "invoices" ("payment_intent_stripe_id");
        CREATE INDEX IF NOT EXISTS "idx_payments_custome_740747" ON "payments" ("customer_stripe_id");
        CREATE INDEX IF NOT EXISTS "idx_payments_invoice_bad4ba" ON "payments" ("invoice_stripe_id");
        CREATE INDEX IF NOT EXISTS "idx_payments_latest__5aec5f" ON "payments" ("latest_charge_stripe_id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_payments_latest__5aec5f";
        DROP INDEX IF EXISTS "idx_payments_invoice_bad4ba";
        DROP INDEX IF EXISTS "idx_payments_custome_740747";
        DROP INDEX IF EXISTS "idx_invoices_payment_f9a803";
        DROP INDEX IF EXISTS "idx_invoices_subscri_dae061";
        ALTER TABLE "invoices" DROP COLUMN "subscription_stripe_id";
        ALTER TABLE "payments" DROP COLUMN "customer_stripe_id";
        ALTER TABLE "payments" DROP COLUMN "charge_amount_refunded";
        ALTER TABLE "payments" DROP COLUMN "invoice_stripe_id";"""


MODELS_STATE = (
    "eJztXWtv2zgW/SuGP3WBbJE4aZItFgvk4XY8k9hB4u4UMx0IjMQk2siSKlFpjE7++5Ky3i"
    "JlSbZsSr6fElO8snwuH5f3HIo/+zNLw4b7/szWf8Pz/sfez76JZpj+k7my1+sj247LWQFB"
    "94ZfFdm68oznfiG6d4mDVELLH5DhYlqkYVd1dJvolklLTc8wWKGl0oq6+RgXeab+3cMKsR"
    "4xecIOvfDnX7RYNzX8it3wo/2sPOjY0FIPq2vsu/1yhcxtv+zLl9HlJ78m+7p7RbUMb2bG"
    "te05ebLMqLrn6dp7ZsOuPWITO4hgLfEz2FMGvzgsWjwxLSCOh6NH1eICDT8gz2Bg9P/94J"
    "kqw6AXIHuPXPyefevJf4InTNRWlPFkqtwNp4rSrwChapkMft0kDK+fb4v7xrj4pX32BRe/"
    "nN2+Ozz+h4+E5ZJHx7/oo9Z/8w0RQQtTH/sYbNXBDBoFkTzol/QK0WeYD3zaMuMALTB9H/"
    "5TxxFhQeyJuBWG4IbwNQB4n/5AbWIa86AJFDhgOroe3k3Prm/Y181c97vh43c2HbIrA790"
    "nil9t/CXRTvYoudFN+n9Ppr+0mMfe39MxsOsV6N60z/67JmQRyzFtH4oSEu01rA0RI3WjL"
    "3u2VpNr6ctweuyeD3EKOH24Oljr/t/c/6+eEIO39dh/YyXKVpt9OsMvSoGNh/JE/14MDgt"
    "cOx/z279IZXWynhrHFwaLK69pfC1Hfygv1ZBOLZoCuPc3LU5iI/LIJztDgmAj7P40rBEeU"
    "LuUxWEkzbrwXh5eLAxiI+PSkB8fCSEmF1KQ+yqFrtHDuBf7yZjPsCxRXYy0FXS+7tn6C5p"
    "arhIxGH3nm4Q3XTfs+/bRgzGEErNAyHM767PvmY9cHE1Oc8O8OwG5xl3OPjFeq41T6ct1z"
    "BPB61cluG8vdNyPhozkEsUz63l56wteFo2T7N17sNzYvHFCu6R+vwDOZqSu2INLFHd/KXZ"
    "YJYtQSZ69J3E0GTPGa79PU0nQ5M4/MxAfHWvMDvA6imYVtQxpAh2I0VgqarnOLVGp4zpZp"
    "aLG43H2rlaLJMjsOkPV3UbGdUWNAmjDq5pmlg20viZ4sGeqwLQKaPuAb3+lY11/z+sEkXX"
    "Kq1u0lawwln7CkfX8My2CDbVOaMdqnQBjmmtjiBZvJvuCIMPH0r0BFpL2BX8a5lVPn0CGy"
    "sOpj/YZa27CuxcYwC+CvD4hUbQ9WBPmgLopUCv18y73r4bmGE9olrVGIaESQdJhsNBCYgP"
    "B0KI2aU0xBomSOcE5OIAJrZYKXiRrClvIkqRJG9z4bmEdhGnz8naRNf2inI2alAL8jW7ka"
    "8BSYd4fO5uugYkHV3zehlJR7AqqLWUWCGylZkUb2QNYegvmM0LeZjPLcvAyBSwcwmzDND3"
    "1K6pvhSVbHbOOp9MrlL95nw0zWD85fp8ePvuwIeeVtKJXzwaT/kL5WBCqjqi5a2BFpVnEM"
    "vPXancRvUJjGMO/pba33NTrRWqpAzBxzL7GM+4mQpxVBIZNJRr215EcjjYL5UI2i/IBO1n"
    "I5KNinkl6yfZgK+M0pTWKgj4clrTGSaIrbCr5NqSNnJQhexrO0MVBj9AsdF8xmZ6CveTpS"
    "m1lkBl7tXFntLA0kjDBubG6IUro4QVLIyWLIwqZKITKVfzxdJVnpb7PLD89NstNkQakiAJ"
    "OlrcpYVJn7ewxYWlfU76JOj+K4J0s7hL+0aHKhgFQ+R6oLr279VRwFzvPrr5inDdJW7VpT"
    "7YJGE2imVBt1i1nDQTJay0V0ShJaVGjl+/ATLtz7R6kkma/gKCTUKCTV5lbNd2VFZUBK6i"
    "ApQb3UYid3mFx53SRYVKsqpbV7N2AHaZDawEEY8TdTGYh6Y386Ee0UdC5mJZk2ESQuvNgU"
    "0vKrZjsfnHrTgP0vWhcnM7+Xw7vLv72Evc55t5Mbm+uRpOh5cfe6o1s6PF9vZ3cdPns+k3"
    "cpKX4sxa0gZ0bPVTaO2SBm0yY98l6sWw1HqbxlOGQK/J7ONoUK/TlzO24GnZPC2J9jjM/v"
    "ISKHFiuCBtkshBg/C483mRdkUXIEFdPkCB8HgXvQ7CY3lydCA8BuExxNYgPAZ/g/AYfFyu"
    "T4sZAFE3bjrrv03t8br3oJve7H6x5bi09Diy6J6kcv0Mlv/GNFOtRHwnbTpIEx6WacPiJp"
    "xFGM0sj07YmseLqvXHkUn4KKftMjjrpQSAtXDebwrkR/YE//zXYHB4eDLYPzw+/XB0cvLh"
    "dP+U1vUfN3/ppCgMH31mAXXKDfkIO0DRRry1Ywn4Q0PAfyX8HbbfxmSPV8cJKWvwRD1PEI"
    "vwNGRF8EcmgHk9zJ9otEkD+YCZUDyH44ApfhXAz7fuQlRTtAIYfp2mgv+cEiFaAFxNxp/D"
    "6ll5QuashEBVTr+f/amVTiy6R+c2ETbzPrqEvryeD8R3AA+U8YCNHd3feIacykmJrC3kJW"
    "TOSwTewmblrHLaErwss5fDl61xh1Gx8iBjtk4JgrS6uqVKA8E8VQ1ZjukK6Mo1P9UHNycw"
    "yrfgPMifLAfrj+ZveJ5TUfO3ryXfT9jKZpvbuUaLHfQjEhpl+y2FYLGxmV27pYPJ7ehi2h"
    "c25TVAXHGHoJTtdynKnD6cQpo+R2/85eqq/1ZmZzRs+t38pswQLY6SMAGkWEmY9BkoCUFJ"
    "CErClmnKQEm4i14HJaE8mSZQEoKSUMpItIWDGCgJd97foCTsvo9BSdioknChJeHEI0v1Jx"
    "yEG1RANAnxdiVAKqbRXT0ZVtIYxCgr+uHBo7+5rh9iY/BDPT+odEB/xMpK7hDfo5ZXJJvW"
    "t+QXkEI3LIVOPlMOZLEOLmMGArjqAjjV0H3RGqZLfE4MVNDAs4ZdQH8TSqs1vDYcXhe+eh"
    "qSguESJZgua3mh4BYgOizjg0i1UAt+vjUgXwb5UDleC3iuMeBeBvcHpBuegymYPAJEDHnW"
    "rnuD/Po3MGqYhihmdayzdoD1cqzD9jnDroseOXCLY3iOaRcQ33gcv23Br1xj+Xr0vuFMV1"
    "F0lbICSOVT+UoJbAMiXz1+O+KK4JY/gKed2Kb77Aqq3kXGdUVR761/kxYmCbcp6g0O8xFL"
    "e+PTfpYKfJOnDIHOF3S+oPNtmeITdL676HXQ+cqT6gKdL+h825OSkXsQA53vzvsbdL6d97"
    "HvlgpBSVi/i/KitYt87x3Ee+OJGN3IoAtsRNPoGsglR1XQjQy6h24Zck3MreWoNfxqKzPL"
    "JJwzG+9myDCEStCUYYfEn4eDk+NI7sk+FAk8767Prq7ywTLDZo4Rh3ZYjmloB5Bm6HaC1K"
    "daMUrGFKIUmaMUIJqBFZWJuStiRctQd40yU47g2LrFhb1CJsqBI+uKGx8QUDlLoCJkmUuB"
    "gNpFrwMBBQQUEFBAQHV/GQgE1I75Gwiozvv4Wa9GkYT1N0dALVbFTa3t0kHJaYmQ5FQYkJ"
    "zm9v06luapdY8Y4Rl3jzppJA40dfXZ/78C3kkbgLkUzEglNHKuGGzHRhsMtcN1TmsjbXgf"
    "SdPvI6E/kih13guWMewQR7jhd+44mLVY+lz+sVrOC++EOnFr51t3byQ/OC7R7g+yMWXc8N"
    "mlZbhTWLndQNgHim7RoQ4xODg6OTo9PD6K+kFUUtT8F009R/5th6AKNppxGKp4C5qYokrs"
    "dQOOCjgq4KhaxlYAR7WLXgeOSp5FM3BUwFHJFdy2dxADjmrn/Q0cVed9DC/rh5dgbxH6Jp"
    "POMp7z0aldajRuc3kvGC/KI4cW3csdN/cWyOo45y0B7+V4hy+rqpYGTVvBEe+FO3Hs+FTg"
    "FTfilD+oWU5cl27ESbcrwdsJt0NzpE4n55Ad2dPLxZRH8ghwID6A+ADio40pcCA+dtHrQH"
    "wA8QHEBxAf3U+SAvGxY/4G4qP7PpYwO9ylU6D9nUV1d+ds6jisrm0a+e4hk+iEQyoJybyk"
    "yebovIOmMF6DljjP0hHFxo7unwyJnOpZC8E9YH6QeX7IeA3ztnJW8jvmbu4Er8vldUY6GD"
    "SAK/R74ZpadAtYX1fZkueDWC9JnDaF/iZzf6N9o5aTk3bgYZk9TH8pMupMnylD8LHMPg5O"
    "7l7pFOSie8Dqr9TqL3hmpeg4+7LuKHMvcEu1Y9m39YZfyTJPjQiLtvOKXzmRXdPJp2JtUe"
    "5E1BXP51znaajbmMTz53OmTo0leLYiQElB1YjerqmF4zag2pRQzcdtiVgtxLacYE2JPAuq"
    "NVCtgWqtZfolUK3totdBtSbPyghUa6BakzKgb+EgBqq1nfc3qNY672MJVFXSxaEgqwJZFc"
    "iqWjKAgaxqF72ezppWSltyTIEKK6TC3Mzu6xXpsOxm7lYivJQS4zSzFC12cXZ3cXY53NaO"
    "+9/x/ZNlPQ/ZYqzPITFS1/eKCIwfi5qLdR2QF0BeAHnRxjQ2kBe76PUK5MUib1eLwkiaAp"
    "FRJkHgw1MB6LB+9zYSHgzKnPNFa4nP0BjkzvpCtq68YMflBrRilDNm3ZMrrv8VaMDI7Twj"
    "J9tU3d6pmZO+R3PDQhw//3o3GQvS9rFJ1rm6Snp/9wzdbeNbdwvcysBIeTQcsd5dn33NDm"
    "YXV5PzrKvYDc4rvA12aHqzXDZk23v/+zY2NYZgNQf0b4bjy9H488deYP/NvLmdXAzv7haF"
    "jqVi102WDy+jYqx9Mz+dja5YEXuHKPs8+jye3LIC/dG0nMUws/1ztRAheGYTjkPFr61OmG"
    "yOktlvKhJYMyVjIJco2HEsjoR+il8FmKatuhBhFU03w6/T4nEpmm2uJuPPYfXsYJXGHZv0"
    "Z3s1N0GmTIECkXrqjwbeBVVZy+PCm4DvW+D7VVwOnpbW0zkqbjsU0Rl2dPWpzyGHgit7Rb"
    "QQiutIQwcJIzluapITwwUNXd7M5FpiODHtUyNntmq+TLZl5iZOaqedqgLCQfUOonuwv19m"
    "mbe/L17nsWsZqZhlEu6JAeKUScIEUiYVUyZbncze/g8Ivgco"
)
