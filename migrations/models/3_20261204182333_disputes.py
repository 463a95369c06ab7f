from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "disputes" (
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
    "currency" VARCHAR(3) NOT NULL,
    "reason" VARCHAR(64),
    "evidence_due_by" TIMESTAMPTZ,
    "charge_stripe_id" VARCHAR(255),
    "customer_id" UUID REFERENCES "customers" ("id") ON DELETE RESTRICT,
    "payment_id" UUID NOT NULL REFERENCES "payments" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_disputes_status_813638" ON "disputes" ("status");
CREATE INDEX IF NOT EXISTS "idx_disputes_custome_2104c1" ON "disputes" ("customer_id");
CREATE INDEX IF NOT EXISTS "idx_disputes_payment_3318e5" ON "disputes" ("payment_id");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "disputes";"""


MODELS_STATE = (
    "eJztXWtv2zgW/SuCv2wHyBaJkybZ7mKBPNyOp0lcJO5OMdOBQEtMooksqRKVxJjpf19SD1"
    "sPSpZky6bo+6WNKV5aPlciL+85JP/qTW0dm97bM8f4hGe998pfPQtNMf0jc2VP6SHHWZSz"
    "AoImZlAVOYb6hGdBIZp4xEUaoeX3yPQwLdKxp7mGQwzboqWWb5qs0NZoRcN6WBT5lvHdxy"
    "qxHzB5xC698PsftNiwdPyKvfij86TeG9jUUzdr6Oy7g3KVzJyg7MuX4eWHoCb7uomq2aY/"
    "tRa1nRl5tK15dd839LfMhl17wBZ2EcF64mewu4x+cVwU3jEtIK6P57eqLwp0fI98k4HR+8"
    "+9b2kMAyVCdoI8/JZ968l/oztM1FbVm9FYvRuMVbVXA0LNthj8hkUYXn/9CNtd4BKU9tgX"
    "XPx8dvvm8PinAAnbIw9ucDFArfcjMEQEhaYB9guwNRczaFRE8qBf0ivEmGI+8GnLjAP0yP"
    "Rt/EcTR8QFC08snsIY3Bi+FgDv0R+ojyxzFj0CJQ4YD68Hd+Oz68/s66ae990M8DsbD9iV"
    "flA6y5S+Cf1l0xcsfPPmjSi/Dsc/K+yj8tvoZpD16rze+LceuyfkE1u17BcV6YmnNS6NUa"
    "M1F173Hb2h19OW4HVRvB5jlHB7dPcLrwf/5/x98Yhcvq/j+hkvU7S66NcpelVNbD2QR/rx"
    "oH9a4tj/nd0GXSqtlfHWTXSpH177kcLXcfG98VoH4YVFWxjnxq7NQXxcBeHs65AA+DiLLw"
    "1L1EfkPdZBOGmzHoyXhwcbg/j4qALEx0eFELNLaYg9zWZt5AD+5W50wwd4YZEdDAyNKH8r"
    "puGRtrqLRBw28Q2TGJb3ln3fNmIwhlBqHIhhfnN99jXrgYur0Xm2g2cNnGfc4eJn+6nROJ"
    "22XMM4HT3lonTn3R2W89GYiTyi+l4jP2dtwdOieZrNc++fEpMvVjBB2tMLcnU1d8Xu20V1"
    "85em/Wm2BFnoIXASQ5PdZzz393WDDCzi8jMDi6t7pdkBVk/FtKKBIUWwGykCW9N8123UO2"
    "VMNzNd3Gg81s3ZYpUcgUN/uGY4yKw3oUkYSTinaWPaSONnige7rxpAp4zkA3r9Mxt78ifW"
    "iGrotWY3aSuY4ax9hmPoeOrYBFvajNEOdV4BjmmjF0GweDf9IvTfvavwJtBaha9CcC0zy6"
    "d34GDVxfQHe+zprgM71xiArwM8fqYRdDPYk6YAeiXQmz3msj/fLYywPtHsegxDwkRCkuGw"
    "XwHiw34hxOxSGmIdE2RwAvLiAGZhsVLwItijvIkoRZC8zYXvEfqKuD1O1mZ+ba8sZ6NFtS"
    "Bfsxv5GpB0FPfP8qZrQNIhm9erSDqiWUGjqcQKka3IpHgrcwjTeMZsXMjDfG7bJkZWATuX"
    "MMsAPaF2bb1L85LNjlnno9FV6r05H44zGH+5Ph/cvjkIoKeVDBIUD2/G/IlyNCDV7dHy1k"
    "CLitOJ5ceuVG6j/gDGMQd/C+3vmaU1ClVShuBjkX2Mp9xMRXFUMjdoKde2vYjksL9fKRG0"
    "X5IJ2s9GJBsV8wr2nmQDvipKU1qrJODLaU2nmCA2w66Ta0vaiEEVsq+VhiqMfoDqoNmUjf"
    "QU7kdbVxtNgaq0JeOb0sLUSMcm5sbopTOjhBVMjJZMjGpkohNuMTzHJzwt93lk+eHTLTaL"
    "NCRREvQybKV7D/6P+IGLS3uc7IlhPduGtipGw7CVDibGKoEUdZErgvQ5bEXSByk9jKwHqu"
    "ugLUkB8/zJvPEV4bpLNCXTO7gJUvEOe154v4XcYlxlrwrFqHph7WpUY+9MieorxH7C1j88"
    "RTORMfWUNxZ+xq5CHnF45ScFWfqeYtPZvxKtbNlTXh6xxcqVyYz+bU/f9jKAr7v9b9Y369"
    "Z+8RTkYsXxXQqtghQdzRR0T8LmZgp+dQwX/5sZEdYA/cdww28JDV18z9Zr0JZnL2gW3DQw"
    "q8CsAscGzCp4XRxm9U9i1EkoRNWlY1PXLxOcxwr1hq6M2TrHsO3milcZqhJRG22O9jSTWg"
    "r6lBEsIln+7Bqe5zcaCVKGEg4E3e34OcxVEMF7DbyctpRvtaNMXoatFXbJy/XGxbSVfDzQ"
    "2paxCqKRj1kKThorQWAUp6+SXAkI5CGNA2mcjk3oIY2zi14Hgbw4KhAQyINAXqyQt7udGA"
    "jkd97fIJCX38cEEZ+jfSkLS2IL+XL1698rAU1t3+K8QOfGw9AifIQXNhmEjUrSNeHi+gd2"
    "E//8V79/eHjS3z88Pn13dHLy7nT/lNYN7jh/6aQsfhl+ZJFIygX50CTY8s/SamXckjYy7g"
    "RS5eEufrbzO9ogr952cQsL+bKZ66f58LOh06cRq7qPuanjJTRQ3hyGYpGHYo2+Nw+42UoS"
    "nq1871grOYOtK0HEWjS4HiFILEWvh2naCsQ1HGorB3Ee3w+2i40H6xOeBSgP6a0gS+Mlt2"
    "qvihAT15xqnRa76GVOcGWeKwpAuO6LXbql3fbt8GLc4/YJawA3uTtWFzuCpeBmOsICdLdD"
    "yQ4Xm7PeYs1203RnYaW9Mpo2ueGrG9RvgbH9Pb2HNdtY9g9gcQVkccXdn1wGZUfm3KU6GK"
    "+yF7PY6LYSBYu7/btUc/p4P9+6B4hl7QDsKseIleS2B5Y/zUVwG85z58GmF1XHtdn449Uc"
    "B3vDG/Xz7egjDbnu3iuJdr5ZF6Prz1eD8eDyvaLZU2e+5cH2z9Kj9+fQb+Tw9cX7myRtYD"
    "fh5huZdEt/Jsh0vXNJRdPWmunLU4aQOBbZx/NOvcm7nLEFT4vmaUHU7fH+MrwEymLrmZK0"
    "SWKXG1C3S58X6VZ0ATrn5R0UqNt30eugbhcnRwfqdlC3Q2wN6nbwN6jbwcegbt++ut3ypx"
    "OeSqZkA/i5hXzyxDZ2qQIRe7si9nCtBdNIc6LqpWs0YrvNrdPYbwvkrSzSiFB0EG/uWAH+"
    "2BDwXwl/l516YrHba+KElDV4opkniE14GrIy+OcmgHkzzB9ptEkD+YiZUH2X44Axfi2An2"
    "8tQ1RTNgMYfB2ngv+cEmE+Abga3XyMq2flCQWLBSzC/muUTixrQ7qjnFrJLiY3w2/mg+IW"
    "wANVPOBg1wiO/0Fu7aRE1hbyEiLnJSJvYat2VjltCV4W2ctbX1koWDZqPUsLU6NMPWQ5pr"
    "Bus2yN4XbWwYn52K5pIVzRo7wGiGueQSTk87sUZc47nEKa3ody8+XqqmzJIRwrts1jn2K0"
    "OErCBJDFSsKkz0BJCEpCUBJ2TFMGSsJd9DooCcXJNIGSEJSEQkaiHezEQEm48/4GJaH8Pg"
    "YlIeyT2zLE25UAaZhGd81kWEljEKOs6Id7n/7mpn5YGIMfGu4bHe6kupI7itto5BXBhnXY"
    "z1tOKXTynnIgF+vgMmYggKsvgNNMIxCtYTrF58RAJQ941lAG9DehtIrUglNM4dJXUxzy2g"
    "A3VEtDUjA8oq6y8XlJEyA6rLX9eSP4+daAfBXkY+V4I+C5xoB7FdzvkWH6LqZg8giQYsiz"
    "dvJ18utfwKhjGqJY9bHO2gHWy7GOn88p9jz0wIG7OIbnmMqA+Mbj+G0LfsXqy9ej941Hup"
    "qiq5QVQCqeyldIYFsQ+RqL3RFXBDexz6KU2Kbf2RVUvbrhOT7BK6p6L8NWOpgmLJT1pvfe"
    "ZmnpFTG6DRqRCaINKJ+vg4xRr1j/HFXYq6CCjtJPIIYGMTSIobsoiwUx9C56HcTQ4uQDQQ"
    "wNYuju5K3E7sRADL3z/gYxtPQ+DtxSIyiJ68uowVq7EnriIt62MMXozg1koGzaRtdEHjmq"
    "g+7cQD50qzCQxQRkjn/Er446tS3COdjybopMs1AumzKUSCF72D85nmti2YcyFezd9dnVVT"
    "5YZtjMMOJwM8sxje0A0owmgSDtsVGMkjGFKEXkKAXYeKCORaI3y6jjKvxmq8yUW3C2X3hh"
    "r5SJcuFcv/KHDwionCVQEaKMpUBA7aLXgYACAgoIKCCg5J8GAgG1Y/4GAkp6Hz8Z9SiSuP"
    "7mCKhwVtzW3C4dlJxWCElOCwOS09ziaNfWfa3pOSw8Y/mok1biQMvQnoK/a+CdtAGYK8GM"
    "NEIj55rB9sJog6F2PM/pbKQNm7a0vWkL/ZFEbbJ5WsZQIo5wwxsTuZg9sfS+grPH3GfeMX"
    "7FTzvfWr6e/OC4wnN/kI0pFw8+u7QMdwor9zUofAfKmpDohegfHJ0cnR4eH83fg3lJ2eMf"
    "Puo58m87BFW00IzDUC2WoBVTVIm1bsBRAUcFHFXH2ArgqHbR68BRiTNpBo4KOCqxgtvudm"
    "LAUe28v4Gjkt7HcKIB7BS+RejbTDqLeBiKVKvUaNzm8XZhL8sjxxby5Y7b2yqzPs55S8B7"
    "Od7xZlX10qBpq3WmQ4VYMLLelTjO4ujkFRfiVD/NWkxcly7EST9XBVs4bofmSB3hziE7sk"
    "e8F1MeyXPSgfgA4gOIjy6mwIH42EWvA/EBxAcQH0B8yJ8kBeJjx/wNxIf8PhYwOyzTUdnB"
    "yqKmq3M2dWaYbItGvvvIIgbhkEqFZF7SZHN03kFbGK9BS5xn6YjqYNcIjs9Ebv2sRUEbMD"
    "6IPD5kvIZ5Szlr+R1zF3eC18XyOiMdTBrAlfq9dE5d1ATMr+ssyQtAbJYkTpvC+yby+0bf"
    "jUZOTtqBh0X2MP2lyGwyfKYMwcci+zg63nylo6LL2oDZX6XZX3TPavrQtWbuqNIWuKXe2f"
    "Xb2uFXsMxTK8Ki7WzxKyayazoetlhblDs2dsXzOdd5ZOw2BvHyI0zpJGe6IkBJQdWQNtfW"
    "xHEbUG1KqBbgtkSsFmNbTbCmzj0LqjVQrYFqrWP6JVCt7aLXQbUmzswIVGugWhMyoO9gJw"
    "aqtZ33N6jWpPexAKoq4eJQkFWBrApkVR3pwEBWtYteT2dNa6UtOaZAhZVSYV5m9fWKdFh2"
    "MXcnEV5KiXEesxQtdnF2d3F2OdjWivtf8eTRtp8GbDLW45AYqet7ZQTGS1gznNcBeQHkBZ"
    "AXXUxjA3mxi16vQV6EebtGFEbSFIiMKgmCAJ4aQMf15VtIeNCvcs4XrVV8hkY/d9YXcgz1"
    "GbseN6AtRjljJp9ccf1boAEjt/OMnGhDdXeHZk76Hs1MG3H8/Mvd6KYgbb8wyTrX0Ijyt2"
    "IaXhd33S1xKwMj5dG4x3pzffY125ldXI3Os65iDZzX2A12YPnTXDZk22v/ew62dIZgPQf0"
    "Pg9uLoc3H98rkf036/Pt6GJwdxcWuraGPS9ZPricF2P9m/XhbHjFitgeouzz8OPN6JYVGA"
    "+W7YbdzPbP1UKE4KlDOA4t3rY6YbI5Sma/rUhgzZSMiTyiYte1ORL6MX4twDRtJUOEVTbc"
    "DL6Oy/ul+WhzNbr5GFfPdlZp3LFFf7bfcBFkyhQoEKGH/nnHG1KVjTxe2Aj4vgO+X8Xl4G"
    "lhPZ2j4rZDEZ1h19AeexxyKLqyV0YLoUUdYeigwkiOm5rkxHDRgy5uZnItMVwx7dMgZ7Zq"
    "vky0aeYmTmqnL1UNhKPqEqJ7sL9fZZq3v188z2PXMlIx2yLcEwOKUyYJE0iZ1EyZbHUw+/"
    "F/AOpU1A=="
)
