from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
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
COMMENT ON TABLE "usage_events" IS 'One usage event, persisted before it is forwarded to Stripe as a meter event.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "usage_events";
        DROP TABLE IF EXISTS "meters";"""


MODELS_STATE = (
    "eJztXW1z2zYS/iscfTlnRudx5NTx5W5uxi9Kqta2MrZzzbTu0BAFW6wpkiVBO5o2//0Avk"
    "h8AWmSIiUQ2i9tDGJB6lm8LPZZLP7qza0pNtz9E1v/GS96H5S/eiaaY/qP1JO+0kO2vSpn"
    "BQRNDL8qsnX1CS/8QjRxiYM0QssfkOFiWjTFruboNtEtk5aanmGwQkujFXXzcVXkmfqfHl"
    "aJ9YjJDDv0wW+/02LdnOJv2I3+tJ/UBx0b08TH6lP2br9cJQvbL/vyZXT+0a/JXjdRNcvw"
    "5uaqtr0gM8tcVvc8fbrPZNizR2xiBxE8jf0M9pXhL46Kgi+mBcTx8PJTp6uCKX5AnsHA6P"
    "3nwTM1hoESIjtBLt5nb33/3/ALY7VV9Wp8q94Mb1W1VwFCzTIZ/LpJGF5/fQ/aXeHil/bY"
    "C85+PLneOzx64yNhueTR8R/6qPW++4KIoEDUx34FtuZgBo2KSBb0c/qE6HPMBz4pmVLANB"
    "Tdj/5RRxFRwUoTq14YgRvB1wLgPfoDp2PTWIRdoEABt6PL4c3tyeVn9rq56/5p+Pid3A7Z"
    "k4FfukiV7gX6sugAC0beshHll9Htjwr7U/l1fDVMa3VZ7/bXHvsm5BFLNa0XFU1jvTUqjV"
    "CjNVda9+xpTa0nJUHromg9wiim9vDrV1r3/5/R99kMOXxdR/VTWqZodVGvc/RNNbD5SGb0"
    "z7eD4wLF/u/k2p9Saa2Utq7CR4Pg2fcEvraDH/RvVRBeSbSFcWbt2hzER2UQTg+HGMBHaX"
    "ypWaLOkDurgnBcphmMXzcPNgbx0bsSEB+9y4WYPUpC7GoWayMD8E834ys+wCuJ9GKga0T5"
    "WzF0l7Q1XcTssImnG0Q33X32vm3YYAyhxDoQwbx3efI1rYGzi/FpeoJnDZym1OHgZ+up1j"
    "qdlGxgnQ57uSjTeXeX5aw1ZiCXqJ5bS89pWdC0aJpm+9yHp9jmixVMkPb0gpypmnliDay8"
    "utlH88E8XYJM9OgriaHJvjPa+3tTnQxN4vA9A6un/ULvAKunYlpRx+Ai2A0XgaVpnuPUmp"
    "1SopvZLm7UHuvmbrGMj8CmP1zTbWRU29DEhCTc07SxbaT2M8WDfVcFoBNC8gHd/M7GmvyB"
    "NaLq00q7m6QU7HAa3+HoUzy3LYJNbcFohypDgCNaayAIZu8mB8Lghx9KjARaK3co+M9Su3"
    "z6BTZWHUx/sMt6dxXYucIAfBXg8TO1oOvBHhcF0EuBXq+by96/W1hhPaJZ1RiGmIiEJMPh"
    "oATEh4NciNmjJMRTTJDOMcjzDZiVxFrGi2BdeRNWiiB+mzPPJXSIOD2O12b5rF/ks9HCWu"
    "Cv2Q1/DYR05M/P8rprIKRDNq2XCekIdwW1thJrWLYik+Kt7CEM/RmzdSEL86llGRiZOexc"
    "TCwF9ITKtTWWliWbXbNOx+OLxLg5Hd2mMP5yeTq83nvrQ08r6cQvHl3d8jfK4YJUdUbLSg"
    "MtKs4kll27Er6N6gsYRxz0LbS+F6ZWy1RJCIKORdYxnnM9FflWyVKgJV/b9iySw8FBKUfQ"
    "QYEn6CBtkWw0mFewcZI2+MpEmtJaBQZfJtZ0jgliO+wqvra4jBhUIXutNFRh+ANUGy3mbK"
    "WncM+sqVprC1SmLRlHSgtboyk2MNdGL9wZxaRgY/TKxqiCJzqmFt21PcKL5T4NJT/+fI2N"
    "vBiS0Al6HrTSvY7/PepwUWmP4z3RzWdL19bFaBS00kHHWCmQwilyTZA+B61I2pGSy0gzUF"
    "36bUkKmOtNlo2vCddNrClZx6DnosfQwbEmWl9YS8PnckOxM1htgoC9wa4bfG8uDxtV6Zeh"
    "Y1U3qF2Olu2dKGF9hVhP2PyHq2gG0ueusmfSfuEoZIaDJ28UZE77imVqWAlPAfWVlxk2Wb"
    "kyWdB/W/P9Xgrwptu/M+/Ma+vFVZCDFdtzKLQKUqZooaAHEjS3UPA3W3fwv5kQYQ3Q/+hO"
    "8JZA0MEP7GwLbXnxghb+RwMLDSw08JHAQoPWxWGh/yB6FedLWF065rn5kMqlrVBt6UqJNb"
    "mGbdevvs5SFbPaaHN0pplUOm2QEIIDN6/3Xd11vVorQUJQwoWguxM/h+XzLXi3hpaTkvKd"
    "DJVJy5CGYpe0XG1dTErJx5k1duRXkPMEEaPDcWPFyJ5891WcV4LDBODGATdOxzb04MbZRa"
    "3DYQJxImbgMAEcJhDL5O3uJAaHCXZe33CYQH4dE0Q8TuRLkVkSScjnq28+rwSaW57JGUCn"
    "+uPIJHyEVzIphPVOxhbR76X/++e/BoPDw/eDg8Oj4x/evX//w/HBMa3rf3H20fsi+2X0iV"
    "kiCRVkTRM/PaKpVfK4xWVkzJpSpnPn9+1s9h/kVkutt5KQz5vZPM2Hn/Up7Y1YnXqY6zp+"
    "hQbKisNSLPJSrNFx84jrnbrhyco3xlrxGWw9EkSsA5bNBIJEYfvVME1KQXANh9rKQJzF96"
    "PlYP3R/BkvfJRH9FOQqfGcW5VPkIiJayZqnRY76GVJcKX6FQUgOCPHHl3Taft6dHbb484J"
    "DYAbzyTWxYngVXBTE2EOutuhZEerRLbXWLOcJN2ZW6lfRNPGk+M6fv0WGNvfkvm+WRLe34"
    "HFFZDFFTeXuwyRHak7qqpgvE7earHRbcUKFjdVvlR7+ij3cdXL1tJyAHaZK9cKfNtD05tn"
    "LLgN+7mzYNOHqu1YbP1xK66DvdGV+vl6/ImaXDcflFg7d+bZ+PLzxfB2eP5B0ay5vUwPsf"
    "17B+n32fSNHL4+PxdMXAYyL9dP+tKt+DNBtuudcyoallYvvjwhCI5jkXW8nNTrjOWULGha"
    "NE0LEt0e5eLhOVBWaXoK3CaxjEAQ3S69X6Rb1gXEOb8+QUF0+y5qHaLbxfHRQXQ7RLeDbQ"
    "3R7aBviG4HHUN0+/aj201vPuFFyRQky19KyBee2EaWKghibzeIPThrwWKkOVb1q2c0IrnN"
    "ndM4aAvkrRzSCFG0EW/vWAL+SBDwXwt/h90QY7LPq6OEhDRoop4miEV4MWRF8C9FAPN6mM"
    "+otUkN+ZCZUD2Ho4Bb/C0Hfr60DFZN0Q5g+PU2YfxnIhGWG4CL8dWnqHo6PCHnsIBJ2P9q"
    "uROL2pDu2qtWvIvxiwPq6SC/BdBAGQ3Y2NH9q5KQU9kpkZYFv4TIfolQW9is7FVOSoKWRd"
    "ayoZu8G5DyQxuXAhDXuEZc47bPcwrmA2zmQGdiba+GLEcUTssWnezczulDMbttQ8cP87py"
    "AxBXvCVLyP77KsqcMZxAmn6HcvXl4qLooCdcfLfNy7YuqaacHid6M3jQL4rdnLMqpW/Tuv"
    "F3fsqpblB75lHx21f27ufEUe+8wcHg6P7NB+VlhoiCTOU+IMzZN90rGvMnun3/uquZ9aLo"
    "xFWCq9n8O6vQI51DH5maeZdsbeq1EIEqziLaVyACdXdiESECdRe1DhGo4ngoIQIVIlCFtK"
    "U7OIlBBOrO6xsiUKXXMbvUx0ALf6dZxThJy0kYydeKhbLa11dBOyklX+Tv24ODMqk7Dg7y"
    "c3ewZ0moHyxn7hmoCs4xEQk7dPP5UUSMX5cK4CV7YKOFYaGpWjHLWJ78BlMGRVZ+kgfp6J"
    "zyjAwP11UGV3iDmvDf3zHwK2SXiDnZXPQYbjTW5HC+sJaGz41ln5Wfx4lYLw6TEyPE8rmc"
    "OPcGeTiABQEWpGP+cGBBdlHrwIKI42MAFgRYEPCYAgsC+gYWBHRcbkyL58eUKQ8H3DK57Q"
    "P0GqbWXb0kBnFhOMq9ph4ePPqb6+phJQx6qKeH8B7CtdSR30YtrQi2rMNtuIKQiQ0nEop/"
    "Uwbk/CwSKTFIH1E9fYRm6H7KB0y3+BwbqKCDpwVlQH8TeQrCXBtzTOGarpevg9cGqKGcG5"
    "KC4RJ1nWuDC5qAlB2VLg+uBT9fGpAvg3yUd6kW8FxhwL0M7g9INzwHUzB5BEhB6F9KTr5J"
    "vvn0n1OssZQglbFOywHWr2Md9c85dllMUhUbniMqA+Ibt+O3nbhFrLm8mbwt0UpXMegqIQ"
    "WQipetRUhgW0jWoq/uFlsT3NgtZVJimxyza2RnYUePPMLLXFYlsvc8aKWDbsLcsN7kzbXM"
    "Lb0mRtd+IzJBtIHI50vfY9TLj38OK/RLREGH7icIhoZgaAiG7mJYLARD76LWIRhaHH8gBE"
    "NDMHR3/FZiT2IQDL3z+oZgaOl17KulglES1ZcxBqvxSOiJg3iXKuSjuxSQgbJpG10DueRd"
    "FXSXAvKhW4aBzCcgM/wj/marc8ukTWfgvZkjw8gNl00IShQhezh4f7SMiWV/FEXB3lyeXF"
    "xkjWWGzQIjDjfzOqaRHECaikkgSJvVslFSomCliGylABsP1LFI9GYRdVyG32yVmXIYscxj"
    "pJyQcS5golgVIKCAgAICqotUBBBQu6h1IKCAgAICCggo+beBQEDtmL6BgJJex096NYokqr"
    "/BVMp2tHFu3yg5LmGSHOcaJMeZw9GONfU0UvNUNE9YPuqkFTvQ1LWnqvc+xGUA5lIwI41Q"
    "y7misb0S2qCpHe1zOmtpQ9KWtpO20B9J1DrJ01KCEnGEG05M5GDWY+l3qfQ7sPOMjCq9nS"
    "8t30ze/MUnWeRUjT8McsdAURMSDYjB23fv3x0fHr1bjoNlSVH3D7p6hvzbDkEVHjTjMFSr"
    "I2j5FFXsrBtwVMBRAUfVMbYCOKpd1DpwVOJsmoGjAo5KLOO2u5MYcFQ7r2/gqKTXMdxoAJ"
    "nCtwh9m05nES9DkeqUGrXbXF4W9iI/ciQhn++4vVSZ1XHOSgLer+MdJauq5gZNSjXpDhXi"
    "wEizJ3Hs1dXJax7EiV3C3ElcXz2Ik+xXOSkct0Nz3HiT+E/PkB2J5/0iysON1QTiA4gPID"
    "666AIH4mMXtQ7EBxAfQHwA8SG/kxSIjx3TNxAf8utYQO+wTFdl+yeL6p7O2dSdYbIdGvnT"
    "QybRCYdUyiXz4iKbo/PetoVxA7HEWZaOqDZ2dP/6TORU91rktAHrg8jrQ0prmHeUs5LeMf"
    "dwJ2hdLK0z0sGgBlyh3gv31HlNwP66ypE8H8R6TuKkKIw3kccbHRu1lByXAw2LrGH6S5FR"
    "Z/lMCIKORdZxeL35WldFF7UBu79Su7/wm9XkpWv11FGmLVBLKbXYyHOxOsEz9KxbnBy0BY"
    "6QjKR8kLfgefJRo9ObN8duDduCJw/rj8jrz9ZzaAvm220ldG87SbTFRLahC5jzo/cyFzOv"
    "eQNuk5cyb2OaKr4kWCd4viZA8ZDFEW2uLdfMNqDaVCioj9sr4aARtuVCQtWlZiEuFOJCIS"
    "60YxGCEBe6i1qHuFBxfA8QFwpxoUIa9B2cxCAudOf1DXGh0utYgLhF4exQCFyEwEUIXOzI"
    "BAaBi7uo9aTXtJLbkiMKVFghFeam8husSYel0yV0EuFXKTFON0vQYmcnN2cn58Nt5bT44t"
    "LyIduK9TgURuxpv4i88Fi9YEdXjrbojU2s+FKKL9VX6Kzr6i7VvjLBD7QrKTpRdFeh/2Q/"
    "khYTS7nxbUwFuQpS5hQ/JxDe76U01mzrd+adea9P6T91CqpzzwSDTqjsIcXBNkZ+Y7Tz05"
    "anbxRkTtnfQXv/cBXavkcbfsIL+hprX7l/RoaH/XaQ8jKzDHxnmt58gp0+e/tSLvYRrkLQ"
    "E/vqfeUzXZjoz/yg3C+/nu6w7v233rMMSOHfE4vMfG378LzOBv2WoLr9d/udVfPXRX8X9z"
    "swRiIwRqu+WGWblpSSzo/89uCgxP6M1sq/xYI9S24n/IHKcSIXZIlcikCSSJ7PuVSSyPic"
    "U9GIT4lKSI/JZL4D970TasYmhdSreeIlIQq7cZH1HDdIqyo6LbsRTQuyJe+eoqNtRmUtxw"
    "VhMIusY0QIntuEE2CanyE9JrI58/egXdu3MW7CQC5RsePwDsPc4m85mCalZDgIUzRIhl9v"
    "E+Mj2p3tXZ58fZMYIxfjq09R9dhu7uxifJrhhOCYRFNOiZiHkDmIKkIalwE84djJZo+dZH"
    "pvA9heRu3ICWx8wAqVivsXPJlZ1lMucZF43i+iLl6CmlXICzhz0XUPOvidcgHvaPQ9nLnY"
    "Ra1XOHMRhBvXOnkRF5WON2slrtGHpwLQUX35Moy+HRyXoSUHx/m0JHuWhBfZuvrMIhqqXY"
    "+UEpPBl9D23UhwkGjnDxKJtlR3d2nmnDpAC8NCHD3/dDO+yjltsBJJK1fXiPK3YuhuFyMt"
    "CtTKwCj2iqYdoClVsQbSXtGiROBD05tnHCCpkbbxpOA9Owh8q7jT7H0eXp2Prj59UEL5O/"
    "Pz9fhseHMTFDqWhl03Xj48Xxbj6Z358WR0wYoC6urOHH26Gl+zgjDer1fHKjgqYxSkR2bM"
    "JjjKmATA1gBbIwNbA7EiO7L0Lyfe4IRVLY3nNgK674Du11E5aFpYTWdYze1QRCfY0bVZj0"
    "MOhU/6RbQQWtURhg7KteS4rkmODRd2dHE9k43YcPm0Tw2f2br+MtG2mRtw/rJBVQHhsLqE"
    "6LZyJIW+kXCvEs93mcREwGVS0WWy1cXs+/8B+SSHeQ=="
)
