from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "customer_sessions" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "jti" VARCHAR(64) NOT NULL UNIQUE,
    "customer_id" UUID NOT NULL,
    "minted_by" VARCHAR(64) NOT NULL,
    "issued_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "revoked_by" VARCHAR(128)
);
CREATE INDEX IF NOT EXISTS "idx_customer_se_custome_8c357e" ON "customer_sessions" ("customer_id");
CREATE INDEX IF NOT EXISTS "idx_customer_se_minted__5c5ad5" ON "customer_sessions" ("minted_by");
CREATE INDEX IF NOT EXISTS "idx_customer_se_expires_028240" ON "customer_sessions" ("expires_at");
COMMENT ON TABLE "customer_sessions" IS 'A session token''s claims (never the token) and, once revoked, when and by whom.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "customer_sessions";"""


MODELS_STATE = (
    "eJztXW1zm7gW/iuMv9zuTG4ncdIkt/fOnXFSt+vdxO7Y7t3ObncYGZSYDQYWRBLPbv/7lX"
    "ixeREYsLEFPl/aWOjI+DkgHZ3nkfRXZ2GqWHfe9iztZ7zsvJf+6hhogekfiSsnUgdZ1rqc"
    "FRA0072qyNLkJ7z0CtHMITZSCC1/QLqDaZGKHcXWLKKZBi01XF1nhaZCK2rG47rINbQ/XS"
    "wT8xGTObbphd9+p8WaoeJX7IQfrSf5QcO6GrtZTWXf7ZXLZGl5ZV++DD589Gqyr5vJiqm7"
    "C2Nd21qSuWmsqruupr5lNuzaIzawjQhWIz+D3WXwi8Mi/45pAbFdvLpVdV2g4gfk6gyMzn"
    "8eXENhGEgBsjPk4LfsW6/+G9xhpLYsD0dTedKfynKnBISKaTD4NYMwvP767re7xsUr7bAv"
    "uP2xN35zfvmDh4TpkEfbu+ih1vnuGSKCfFMP+zXYio0ZNDIiadA/0CtEW2A+8HHLhAPUwP"
    "Rt+EcVR4QFa0+sn8IQ3BC+GgDv0B+ojgx9GTwCOQ6YDu77k2nv/jP7uoXj/Kl7+PWmfXal"
    "65UuE6VvfH+Z9AXz37xVI9Ivg+mPEvso/Toa9pNeXdWb/tph94RcYsqG+SIjNfK0hqUhar"
    "Tm2uuupVb0etwSvC6K10OMIm4P7n7tde//lL9v58jm+zqsn/AyRauJfl2gV1nHxiOZ049n"
    "3escx/6vN/a6VFor4a1hcKnrX/sew9ey8YP2WgbhtUVdGKfGrv1BfFkE4eTrEAH4MokvDU"
    "vkOXLmZRCO2uwG483hwd4gvrwoAPHlRSbE7FIcYkcxWRspgH+ajIZ8gNcWycFAU4j0t6Rr"
    "Dqmru4jEYTNX04lmOG/Z9x0iBmMIxcaBEOY3972vSQ/c3o1ukh08a+Am4Q4bP5tPlcbpuO"
    "UOxungKRelO2/usJyOxnTkENl1Kvk5aQueFs3TbJ778BSZfLGCGVKeXpCtyqkrZtfMqpu+"
    "tOgukiXIQI+ekxia7D7Dub+raqRvEJufGVhfPcnNDrB6MqYVNQwpguNIEZiK4tp2pd4pYb"
    "qf6eJe47FmzhaL5Ags+sMVzUJ6uQlNxKiFc5o6po00fqZ4sPsqAXTMqH1A735mY87+wAqR"
    "NbXU7CZuBTOcnc9wNBUvLJNgQ1ky2qHMK8AxrfQiCBbvxl+E7rt3Bd4EWivzVfCuJWb59A"
    "4sLNuY/mCHPd1lYOcaA/BlgMfPNIKuBnvUFEAvBHq1x7ztz3cNI6xLFLMcwxAxaSHJcN4t"
    "APF5NxNidikOsYoJ0jgBeXYAs7bYKngR7FHeR5QiSN7m1nUIfUXsDidrs7p2kpezUYJakK"
    "85jnwNSDqy++f2pmtA0tE2rxeRdASzgkpTiS0iW5FJ8VrmELr2jNm4kIb5xjR1jIwMdi5i"
    "lgB6Ru3qepdWJfsds25Go7vYe3MzmCYw/nJ/0x+/OfOgp5U04hUPhlP+RDkYkMr2aGlroE"
    "XF6cTSY1cst1F+AOOYg7+F9vfSUCqFKjFD8LHIPsYLbqYiOypZGdSUaztcRHLePS2UCDrN"
    "yQSdJiOSvYp5BXtPkgFfEaUprZUT8KW0pgtMEJthl8m1RW3EoArZ17aGKgx+gGyh5YKN9B"
    "TuuanKlaZARdpq45tSw9RIxTrmxui5M6OIFUyMNkyMSmSiIylX49nUFJ6W+yaw/PjzGOtZ"
    "GpIgCTrwW2lg0ud7+MSFpR1O+iR4/bcE6bPfSvN6hzIYBV3kbqC699pqKWCOO1s1viVck0"
    "hTbXoH90GYTbDj+PebyZuFVU6K0Gey49cuRqN1elJQXyLmEzb+4UiKjrSFI70x8DO2JTLH"
    "/pUfJGSoJ5JJZ7ZSsGrjRHqZY4OVS7Ml/dtcvO0kAN91+9+Mb8bYfHEkZGPJcm0KrYQkFS"
    "0l9ED85pYSfrU0G/+bGRHWAP1Hs/1v8Q1t/MDWItCWly9o6d00sIbAGgJ/BKwheF0c1vAP"
    "opWZLAfVW8cU7l4Ct4oVyg1dCbNdjmGHzYNuM1RFojbaHO1pZqXU4TEjWCCx+dnVHMetNB"
    "LEDFs4EDS34+ewMl4E71TwctyyfSv52uRl2DbgmLxcblyMW7WP49jZEk1B9N+D9Sq3MVZM"
    "O54iyax0kpfSiq6cs736NWjDf4svBmYr9H6HzI+AmR9xF3q3oRtJbGBVBuNtFrWKjW4tRL"
    "S46+hbtcwvXBhZdie2pB2AXWQ/NoKIyyERGcx9w114UA/oLSHDZ+kTwtjQen9g04uyZZts"
    "/HFKjoOdwVD+PB59Gvcnk/dSpJ1vxu3o/vNdf9r/8F5SzIW10o4cflNCen8W/UaOFi9bKB"
    "a1gWWZ1RVhzeKsIJtRcXs8U6mWzIgZQi5DZB+vOvUq73LCFjwtmqdFSaUEYkZeAmWtc8xJ"
    "m0QklbCOvvV5kWZFF6CN2NxBgSLmGL1eRBED6+hhHX1blovAOvod+UHwTiw9dsE6+iPzN6"
    "yjb7+PcxiArNe47qz/IZfSF1pJX2JLRcNdzPwd9AqvpF9ZtE89U4ck2raZ0KQMwlGbFtKE"
    "50We4exHOIkwWpguHbBVlxdVa48Dg/BRjtslcNYKrWethPNpXSA/sjv457+63fPzq+7p+e"
    "X1u4urq3fXp9e0rne76UtXeWH44BMLqGNuSEfYAYoW4s0dC8AfGgL+W+Fvs+1jDHZ7VZwQ"
    "swZPVPMEMQlPQ5YH/8oEMK+G+ZxGmzSQD5gJ2bU5Dpji1wz4+dZtiGryZgD9r9NY8J9SIq"
    "wmAHej4aewelKekDj6M9gkgS06ov9VSifmtdG6PbHqOV4hsl1CNR9ktwAeKOIBC9uat48S"
    "sksnJZK2kJcQOS8ReAsbpbPKcUvwsshehgXNdSxojo0y5ZDlmG6BrljjU3VwUwKj9BOcBv"
    "mjaWPt0fgZL1Mqav5uTNHjNhr52KY2YqLFNnpZCY2S7y2FwN+nj10b085kPLiddjIf5R1A"
    "XHLDKyGf340oc97hGNL0PqThl7u7zvdsnRzsYXfIPcZCtDhKwgiQ2UrCqM9ASQhKQlASNk"
    "xTBkrCY/Q6KAnFyTSBkhCUhEJGog3sxEBJePT+BiVh+30MSsJalYS+loQTj2zUn3AQrlEB"
    "USfEh5UAKZhGd9VkWFFjEKNs6YcHl/7mqn5YG4MfqvlBoR36I5a3ckd2G5W8ItiwfiC/gB"
    "S6Zil09J5SIGfr4BJmIIArL4BTdM0TrWE6xefEQDkPeNKwDejvQ2m1g1Pw4PS77dOQFAyH"
    "yMFwWckLOU2A6LCID9YnNFWBn28NyBdBPlSOVwKeawy4F8H9AWm6a2MKJo8AyYY8ade+Tn"
    "73CxhVTEMUozzWSTvAejPW4fO5wI6DHjlwZ8fwHNM2IL73OP7Qgl+x+vLd6H3Dka6k6Cpm"
    "BZCKp/IVEtgaRL7aenfELcEtfp50M7GNv7NbqHr9jOuWot6x10gDk4SHFPUGZ1NnS3vXh1"
    "dvFPhGD80GnS/ofEHn2zDFJ+h8j9HroPMVJ9UFOl/Q+TYnJSN2JwY636P3N+h8W+9jzy0l"
    "gpKwfhvlRTsX+c5sxNvxJBvdlUEb2Ii60dWRQy7KoLsyaB+6Rci1bG4tRa3hV0temAbhnN"
    "k4WSBdz1SCxgxbJP48715druSe7EOewHNy37u7SwfLDJslRhzaYTOmoR1AmqDbCVLmlWKU"
    "hClEKSJHKUA0AysqEnOXx4oWoe5qZabsjGPr/AsnuUyUDUfW5T98QEClLIGKEGUsBQLqGL"
    "0OBBQQUEBAAQHV/mkgEFBH5m8goFrv4yetHEUS1t8fAeXPiuua28WDkusCIcl1ZkBynVr3"
    "a5uqq1Q9YoRn3D7qpJY40NCUJ+/vEnhHbQDmQjAjhdDIuWSwvTbaY6gdznMaG2nDfiR170"
    "dCfySRq+wLljBsEUe45z13bMyeWHpf3rFa9jPvhLrsp51v3b6e/OyywHN/lowp1w8+u7QJ"
    "dwor9zXIfAfymmjRC9E9u7i6uD6/vFi9B6uSvMfff9RT5N9hCKpgoRmHoVovQcumqCJr3Y"
    "CjAo4KOKqGsRXAUR2j14GjEmfSDBwVcFRiBbfN7cSAozp6fwNH1Xofw2b9sAn2AaGvM+ks"
    "4jkfrVqlRuM2h7fBeF4eObRoX+64vl0gy+OctgS8N+MdblZVLg0at4Ij3nNX4ljrU4G3XI"
    "hT/KBmMXHduBAn/lxl7E54GJojdjo5h+xInl6eTXlEjwAH4gOIDyA+mpgCB+LjGL0OxAcQ"
    "H0B8APHR/iQpEB9H5m8gPtrvYwGzw206BdpbWVR1dc6+jsNq26KRP11kEI1wSKVMMi9qsj"
    "8676wujHegJU6zdES2sK15J0Miu3zWIqMNGB9EHh8SXsO8pZyl/I65izvB62J5nZEOOg3g"
    "cv2eO6fOagLm12WW5HkgVksSx03hfRP5faPvRiUnR+3AwyJ7mP5SpFcZPmOG4GORfRyc3L"
    "3VKch5bcDsr9DsL7hnOe84+6LuKNIWuKXcseyH2uFXsMxTLcKiw2zxKyayOzr5NFtblDoR"
    "dcvzOXd5GuohBvH0+ZyxU2MJXmwJUFRQNaDN1TVxPARU+xKqebhtEKuF2BYTrMkrz4JqDV"
    "RroFprmH4JVGvH6HVQrYkzMwLVGqjWhAzoG9iJgWrt6P0NqrXW+1gAVZVwcSjIqkBWBbKq"
    "hnRgIKs6Rq/Hs6al0pYcU6DCcqkwJ7H6eks6LLmYu5EIb6TEOI9ZjBa77U1uex/6h1px/w"
    "uezU3zqc8mYx0OiRG7fpJHYLz4Nf15HZAXQF4AedHENDaQF8fo9RLkhZ+3q0RhRE2ByCiS"
    "IPDgKQF0WL99CwnPukXO+aK1ss/Q6KbO+kKWJj9j2+EGtNkoJ8zaJ1fc/RZowMgdPSMn2l"
    "Dd3KGZk75HS91EHD//NBkNM9L2a5OkczWFSH9LuuY0cdfdHLcyMGIeDXusN/e9r8nO7PZu"
    "dJN0FWvgpsRusH3DXaSyIYde+9+xsKEyBMs5oPO5P/wwGH56LwX234zP49FtfzLxC21TwY"
    "4TLe9/WBVj9ZvxsTe4Y0VsD1H2efBpOBqzAu3RMG2/mzn8uVqIELywCMeh2dtWR0z2R8mc"
    "1hUJ7JiS0ZFDZGzbJkdCP8WvGZjGrdoQYeUNN/2v0/x+aTXa3I2Gn8Lqyc4qjjs26M92Ky"
    "6CjJkCBSL00L/qeH2qspLHMxsB3zfA99u4HDwtrKdTVNxhKKIetjVl3uGQQ8GVkzxaCK3r"
    "CEMHZUZy3NQkJ4YLHnRxM5M7ieGyaZ8KObNt82WiTTP3cVI7falKIBxUbyG6Z6enRaZ5p6"
    "fZ8zx2LSEVMw3CPTEgO2USMYGUScmUyUEHs+//B0h5FFY="
)
