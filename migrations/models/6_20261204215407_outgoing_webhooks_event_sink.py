from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "event_sink_positions" (
    "name" VARCHAR(128) NOT NULL PRIMARY KEY,
    "sequence" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "event_sink_positions" IS 'One sink''s cursor: every outbox event up to `sequence` was acknowledged by its broker.';
        CREATE TABLE IF NOT EXISTS "webhook_endpoints" (
    "id" UUID NOT NULL PRIMARY KEY,
    "url" VARCHAR(2048) NOT NULL,
    "description" VARCHAR(500) NOT NULL,
    "event_types" JSONB NOT NULL,
    "secret_salt" VARCHAR(64) NOT NULL,
    "previous_secret_salt" VARCHAR(64),
    "previous_secret_expires_at" TIMESTAMPTZ,
    "status" VARCHAR(16) NOT NULL,
    "failing_since" TIMESTAMPTZ,
    "disabled_reason" VARCHAR(64),
    "fanned_out_sequence" BIGINT NOT NULL,
    "deleted_at" TIMESTAMPTZ,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE "webhook_endpoints" IS 'A receiver of domain events (`billing.outgoing`); its secret is returned once, never stored or logged.';
        CREATE TABLE IF NOT EXISTS "event_deliveries" (
    "id" UUID NOT NULL PRIMARY KEY,
    "event_id" UUID NOT NULL,
    "event_sequence" BIGINT NOT NULL,
    "event_type" VARCHAR(64) NOT NULL,
    "object_id" VARCHAR(128) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMPTZ NOT NULL,
    "last_attempt_at" TIMESTAMPTZ,
    "last_status_code" INT,
    "last_error" VARCHAR(300),
    "response_excerpt" VARCHAR(1024),
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "endpoint_id" UUID NOT NULL REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_event_deliv_endpoin_c21173" ON "event_deliveries" ("endpoint_id", "status", "next_attempt_at");
CREATE INDEX IF NOT EXISTS "idx_event_deliv_endpoin_19debd" ON "event_deliveries" ("endpoint_id", "object_id", "event_sequence");
COMMENT ON TABLE "event_deliveries" IS 'One outbox event to one endpoint: pending until a 2xx (succeeded) or the retry window ends (failed).';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "event_deliveries";
        DROP TABLE IF EXISTS "event_sink_positions";
        DROP TABLE IF EXISTS "webhook_endpoints";"""


MODELS_STATE = (
    "eJztXW1z2ziS/isofVmnSuNzHMfJZq6uynaUrHecOGU7N3M7maIhErK4pgguX2yrdue/H8"
    "AXiS8gRVKiBEL9ZSYm0SD1NAE0+ulu/HswowaxvMMzx/yFzAcf0L8HNp4R9o/cnSEaYMdZ"
    "XucXfDy2wqbYMbVHMg8v4rHnu1j32fUJtjzCLhnE013T8U1qs6t2YFn8ItVZQ9N+WF4KbP"
    "NfAdF8+kD8KXHZjd//YJdN2yAvxEv+dB61iUksI/OypsGfHV7X/LkTXvv+/fLjp7Alf9xY"
    "06kVzOxla2fuT6m9aB4EpnHIZfi9B2ITF/vESP0M/pbxL04uRW/MLvhuQBavaiwvGGSCA4"
    "uDMfjvSWDrHAMUIzvGHjnkT333P/Ebplpr2tfrO+12dKdpgwYQ6tTm8Ju2z/H6959Rv0tc"
    "wqsD/oCLv53dHLw5fRUiQT3/wQ1vhqgN/gwFsY8j0RD7Jdi6Szg0GvaLoH9kd3xzRsTAZy"
    "VzCjBi0cPkH20UkVxYamL5FSbgJvB1APiA/UDj2rbm8SdQoYC7yy+j27uzL9/442ae9y8r"
    "xO/sbsTvHIdX57mrB5G+KBtg0chbdIJ+vbz7G+J/on9cfx3ltbpod/ePAX8nHPhUs+mzho"
    "3U15pcTVBjLZdaDxyjpdazkqB1WbSeYJRSe/z2S62H/y/o+2KKXbGuk/Y5LTO0+qjXGX7R"
    "LGI/+FP25+vj9xWK/d+zm3BKZa1y2voa3zqO7v2ZwddxycR8aYLwUqIrjAtr1/YgPq2DcH"
    "44pAA+zePLzBJtir1pE4TTMpvBeLV5sDWIT09qQHx6Ugoxv5WF2NMp76MA8N9vr7+KAV5K"
    "5BcDU/fRf5Blen5X00XKDhsHpuWbtnfIn7cLG4wjlFkHEpgPvpz9ltfAxdX1eX6C5x2c59"
    "Thkif62GqdzkpuYJ2Ov3JZpvP+LstFa8zCnq8FXis952VB07Jpmu9zJ4+pzRe/MMb64zN2"
    "Da1whx7TsrbFW7PjWf4KtvFDqCSOJn/PZO8fGKY/sn1X7BlY3h1Wegd4O42whiYBF8F+uA"
    "iorgeu22p2yoluZ7u4VXusn7vFOj4Ch/1w3XSw1WxDkxJScE/TxbaR2c8MD/5eDYDOCKkH"
    "9OZ3NnT8T6L7mmk02t1kpWCHs/EdjmmQmUN9YutzTjs0GQIC0VYDQTJ7NzsQjt++rTESWK"
    "vSoRDey+3y2Rs4RHMJ+8Ee/7qbwC4UBuCbAE+emAXdDva0KIBeC/R2n7nq33cHK2zg67QZ"
    "w5ASUZBkeHNcA+I3x6UQ81tZiA3iY1NgkJcbMEuJtYwXyT7lbVgpkvhtLmjghOAUfDbxnW"
    "GVv0YP29Tz1AzO0G24yKBI6gN6nmIfYWSYHrti+8jHj8RDdDJBBxixDYjO1iL21kNEXYRt"
    "hGdhK9NG1Gad8J0/s81eDdk9A01Ymyl9Rha1Hw4HOS1v+dHgeeqH5wmCU8pXGnUdTxCcop"
    "rW6wSnxPubVpuiNWx0men9TnZDlvlE+LpQhPmcUotgu4RnTInlgB4zua7G0uLKdtes8+vr"
    "q8y4Ob+8y2H8/cv56ObgdQg9a2T64eXLr3fiLX+8IDWd0YrSQPDKM4kV166Ml6b5AiYQB3"
    "1Lre+5rbcyVTKCoGOZdbzVsFnJ9LgFgyTezGtsb19E+ZNFsV9CNWflcmhPuGD/8K6A9+P1"
    "9/OrEfp2M7q4vL2MnVyLgRLezNoiN6OzqxzWkZtEDPW5+XBpl2CdlctBzd69f0Cz12X/++"
    "mvx8dv3rw7Pnpz+v7tybt3b98fvWdtwxcu3npXZTFefua2X+azLxqDiWOqyXSSllFvSnlT"
    "x0Ve7iEvOMiD5qEUaRkFWYjNx+EngGmmrc2o7U8FIRWlU4lYWKEp5fj1ybuT929OTxYzye"
    "JK1QRSnCy4Fl3Cgxz4mzTBWCAJABcB5qa1FwJFZqKteSm+RcFW8LaaN456Am6EjjYWrHWr"
    "MhdSgrAzknln9IQtkb+20pG4kNmiFzFx4fbWiWgQiwi9h5VQp6TAZbsCbVnY/sDz6SykpI"
    "t8f3JvWMn4x60gOwM4cuDI+8iWAke+j1oHjlwelzRw5MCRw64ROHLQN3DkoOM6OiYzYV5C"
    "uVWyEOiI0tqdRfLm+KhW2sdRRd7HUd4igRiEpcFXh89irSoMvgKjNSM+5jvsIsTlmTVpGT"
    "kSg/ljlUkMjn+A5uD5jK/0DO4pNbRWW6A6fak4UjrYGoEnWiJPdEotpucEvqhy23ks+emX"
    "G2KVxTnETtCPUS/9+/D/TD645OpA4D0x7Sdq6utidBn10kPHWC2Q4ilyTZC+Rb0o+iFll5"
    "HNQPUl7EtRwLxgvOh8TbhuU12pOgbTcGkueTK9zeJ2E3epKn6Bhx9iB9GaqH3nPY2e6k1l"
    "vcFqGwT2LfE8syRvPddkWIfO1ryode1U9rg98ukjsf/iId3C5sxDBzb7LlzkT0l05xXPEB"
    "8iausExTVTh+h5Suwwc3w8Z/+mM1G++kb7/2H/sG/os4ewS5ATuAxanvyO5whP/Ki7OSIv"
    "jumSn7mQzztg/zHd6CmRoEsmvBIo63n+jOeQ6Q4sPvC5O3ObAou/j1qvw+L/0zebOK/i5s"
    "ox95svQLWwFZotXTmxTa5hu+Ul1lmqUlYb647NNKJA7vKPNiME5UlXf7um5wWtVoKMoIIL"
    "QX8nfgFLGlrwXgstZyXVq6Otkpbh0I590nKzdTErpR7nuLEC6ZLkYySMmMCNlSLLyt1XaV"
    "4OkjHAjQNunJ5t6MGNs49ah2QMeSKOIBkDkjHkMnn7O4lBMsbe6xuSMdTXsY/9QBD5UmWW"
    "JBLq+eo3fwpHVA1PYI+srKAnQLjDUkFdQrw/5fOkg77L+nnMbPOaVc9bSqjnzdw8zUeeTI"
    "N9jUQzAtKiNpZAHJZimZdinY2bB9Iua0kkq94Y68RnsPNIELkSVDcTCJKkPTTDNCsFwTUC"
    "aqsAcRHfT9Ql5oP9C5mHKF+yV8G2LnJuNc7AkRPXQtQ6u+zi5wXBlfuuGABRjiG/dcOm7Z"
    "vLi7uBcE7YALjpSmx9nAhWgpubCEvQ3Q0lG6ZjfCTcv+vOBwJiNttgWEXPRn4rI2pr1qRp"
    "B9c2QTTwx/QFhR0gn4bHzhHbcCgD9QNy2D+ZHhDb8pkWwuj45QUdeIGuE2IQ4xU/tI5nCL"
    "jEd+fomX0L9JlLe+hggk2LtShmHGzroaup5t8HyTPjz2PpPbDJC3cD+rzyMHcVMclC68WR"
    "2vyPSAEeP2uVj7g/gMaWgcYuP5+4HPKKg4k3vMrLshlpYDrlPvMCrFWeo6IseJBae5AiME"
    "PkCkqoKFaTkVLQi9TBYdDpWb4uzhkhBWHeWHSc7N7+IsaD2DrpaiHs+syL2KhpcgpDWgTO"
    "B8jPxHlTsYBrtSdUIK5g+JRKrlALe+soXCAOrm/p9R0tNUyNovit0plTJAoH2BTn0BAn4r"
    "pU4NQqX/6zUuoxCm+OahVgPKoowHhUKMDIBobDHko08qIT1xFMX1UUaVFWPdhfHx3X2UXw"
    "ZuV2V3gzx+VATL1i0dUQU7+PWq8TU59zFdf2PWbFwP1YzTImcG2ACfuVjKeUPo5SPfYT4Z"
    "WUWJ7FSFNiF2e3F2cfRztlxG5N+/Eb9Uy/pOpWsdFwNTPmsfaaEws0YMe4HK+JFbgedT9w"
    "wsqdZ9mrwOEE1n3i1r5Hz9hDDA02MVjE4PWvxnNk+h4au/SRuGI+rJvHrJFsudUy3TJnAm"
    "3Q01lOU7XjU3bDpHTsltsyjQLW2b5YZ5Lk4V/yw4ypzwO5b4hO3ey0W9qocokzl801N2zf"
    "QZr+7wOHtdFNB4cph49kHgU5QOq+ZDEPGTXVXb8zQkBY1iMs+RhogHHcXEF0Owl9pg4HxG"
    "yWxJERUhDpzcc3uNyK9Hxtir1pM19wVg7ArgF2VYjDyA5mBWfF7sMdTFtzXMrXH6/hOsjM"
    "be3bzfXnm9Ht7QeU6ueHfXH95dvV6G708QPS6cxZnKmy+/CIhOIo6qj8AKW0zFoHKElGi1"
    "Rg28lJSf0iSCTJ0ZB87yWg06nerqhgRhBCJmTW8WJSbzOWc7Kgadk0LYsrJT7ASuRAWZ5t"
    "VeE2SR2jBSUNlfeL9Mu6AFfv6gkKwi/2Uet1wi9alSlYvz6BzEQmlDRcXoGShlDSULpJrL"
    "h2CWoStlA3lDTsjb6hpKH6OpYwyVGlkoZ2MBuLSqNUhK4tJNRLZejiaDKoXNht5cKowCYv"
    "jCewqlcW5kzkICCwXUBgjKKDRXvHGvAngoD/Wvi7ZMZeJE6zb6yEjDRoop0mfOqLYsiq4F"
    "+IAOZrYK4ZpqeH33Gb+sylXYBO2ulkynYAbHMVs0Va4AoGxR15KVGHWFoFS7NqVzb67S6z"
    "IStEhyw2ZVfXXz8nzfMhIyVVO20/zOhp4+Kt6qMjnSjm8fWC8eLV2umgvAfQQB0NOMQ1qc"
    "GrSriNHUV5WfAVyewrirVF7Mae/qwkaFlmLVumTQQOwfJw04UAxJq2jzVNCjDpYgt7VS20"
    "pZwyZvVmC6IlllaMV9MJrKwPmMpknsp4+eXAJey+b7IfZJRrv3R8VXUBlbNEJwnt+IAIyf"
    "ildWIHS3Y5zZAViMLxG1VFXHZznIGcn+2GzjMo+5Q3APFtrrs+fr8rURaM4QzS7D3Q1+9X"
    "V1V1cgqOK4GNfx5LfvrlhlhlaauNz0GRbMUrA/3PLnMDvjBNuQNBZkB0Y1iVFzDjTWrWCD"
    "pDt6EHC52blsXPrAj7Rwf3M9/VfgTHR8en968+oOcp9hG20X0UjMXf6R6FWwhvyK4baEqf"
    "w+o94X0PYZcg/MDm0Aeu5mLNoO09FrIb5FlEhwiyG/Ynzh2yG/ZR65DdIA/TAtkNkN0gpS"
    "3dw0kMshv2Xt+Q3aC8jg3Tcyw815qWj83LKRgl3omFstzXN0E7K6VeVsnrWudmvK44N+N1"
    "8dyMCXVngYWb4JwSUfCD3nztLRlzo5QCeMEeOHhuUWxoDStYlslvsRxdYuVneZCezilP2A"
    "pIW2UIhbeoifD5PQO/QeWilJPNww/xRmNNDuc77yk8v6CHk9NOeJzr8AyECDIBm5O+Pazi"
    "dKKzFFJKrHf8g0F5IlF8BMPB/ThiWw6j3u5f/Zw+kMH0wlPJJ4QYi6MchohJ63Q2M31EXa"
    "Ps+IduHlPnAPTMQbU1Ti/fxkkFseEor+dxi2ko5YQPsGsdxv+ECDVYi5P26u2lOjhQWw/z"
    "wdt4gnKiCrJWKjmD4rXl0RTlL6w8Oz0RU3Bjt/mqF3BIvWjX0MWZD5XxtjV2zopmunWCNb"
    "d9iiCXJ8Yk7dfKi5Htm952YoynT8kMa0/E9YQRo7czbFnlln5Benv5Ma+7tfffHL87XVj4"
    "/I8qm/72y9nVVWTEN/A5dLmTTuJHBbvoVGhp+Q46HcUK1ZIV2fFAPOH+RJZBPOE+ah3iCe"
    "Vh6yGeEOIJIfYI4glB3xBPCDquN6bliwhSqVpymwKDu6goqAibKyhzqhNm3bUrNZsWVqYK"
    "za70MAnYb26rh6Uw6KGdHnQ2oT8QbS11lPehUOGYbesFyr0XVuE6i3D9cu/pdyqAXF5XNi"
    "cGBWWbF5TVLTMsAkvYFl9gA1V84HlBFdDfRuXSuJ7bjDC4jPUq+Ir6ADXUc0MyMDxfi5fL"
    "Vlqo6EK50IZOdLCIB2kFv1gakK+DfFKJvRXwQmHAvQ7uSWFHXUiAVCTR5eTUm+Q3H2JrEJ"
    "0XCW6MdV4OsF6NdfJ9zojHs3ua2PACURUQ37odv+sSqHLN5ZvJgEhWuoZBVxkpgFS+uqdS"
    "AttB2dP4S9wAuJfLnpTENjtm16hzyot4BL7oLIMmObIfo1566CYsTZBNf5eRW3pNjG7CTl"
    "SCaAuRz19Cj9GgPP45bjCsEQUdu58gGBqCoSEYuo9hsRAMvY9ah2BoefyBEAwNwdD98VvJ"
    "PYlBMPTe6xuCoZXXcVJkpq5RkrRXMQZr45HQYxc3K1OyEFCBsukaXQt7/kkTdBcC6qFbh4"
    "EsJyAL/CN5cbQZtVnXBXirSzVkBBWKkG1bpyEP6pxgATezGtNEDiDNxST4WJ+2slFyomCl"
    "yGylABsP1LFM9GYVdVyH3+yUmXI5sSxipNyYca5gongTIKCAgAICqo9UBBBQ+6h1IKCAgA"
    "ICCggo9beBQEDtmb6BgFJex00ruW+/hHu0K+5qb5c1SuoUvC4vd10odu241Ah0v2VWtEhY"
    "PeqkEzvQNvXHpicopmUA5lowY91nlnNDY3sptEVTO9nn9NbShqItXRdtYT/S19oUT8sJKs"
    "QRbrkwkUv4F8veS2PvQdwnbDX52sXS6s3kmz9CtIgcg1U4DErHQFUXCg2I49cn707evzk9"
    "WYyDxZWqz1+uQyNcOqP8919wj5eQqEo3GFYTVnHTsLxAzUMYz9BtaNKihTTi0h8QRgmx99"
    "ME60wd4XXkEoOQGf+TNaCBQ+0hejb9KTJ9D9FnG1nmjP2zeAxjlw8Clg1YNuBbgGUDrQPL"
    "BiwbsGzAsoFHHlg20DewbKBjQQB1w6J9axXrq7FK7s4geXt0VMMgYa1KDZLwXs45Hm7WW9"
    "ZdFcgq6CyHirdKmeDAvG3N+iYvjsmWghYLdFYSVmiZV2g+ZLn/dxaiIKjlVkp9CCSB8SgO"
    "I/6Je1rkYhdtYkvxLQoqcyCPCnRSXLdQwCMtKxqWE0ip0omQ8gRkDJAxPXPLAxmzj1oHMk"
    "aenSCQMUDGyLVz6O8kBmTM3usbyBjldQwHZMPBszuEvsscBs/HfiBwXlZZ3ImEiuhuvOgh"
    "s9s80aG+VWkJiYR6qQjdnbzWHOeiJOC9Gu/k7JNmbtCs1Cbdobslbtt7PQvO+ALERXwb13"
    "X7tuypl7iurOuW/a5KTgTbDc1xG4zTP71AdmTuD6soDy/VEogPID6A+OijCxyIj33UOhAf"
    "QHwA8QHEh/pOUiA+9kzfQHyor2MJvcO7M0o27xwOC9W1LfZWEFXPfdmJGfivANu+6QtIpV"
    "IyLy2yPTrvdVcYbzhQO2LcfM0hrkkN9k1it7nXoqQPWB9kXh9yWiOiyqCN9E6EtUJB63Jp"
    "nZMOFjPgKvVeuacu6wL2100qPIYgtnMSZ0VhvMk83tjYaKXktBxoWGYNs1+KrTbLZ0YQdC"
    "yzji2Guudrpv1EW2/6qvqA3V+t3V/8zloSOTAjDDajnTrq9AVqqaUWBwce0cZkip9MKjjS"
    "sMIRUpBUD/IOPE8hamx6C2atKhWI5GH9kXn9cTBbOYyArRpmHDPWTN95adC2zNo2TC8spy"
    "1w3v/99vpryXqWFsrr19R99B9kmV4PS1NUaJajkVFqMmsefDn7LT+hXlxdn+e1xTs4Lytz"
    "tKvjjyXjUToJk93N+cdyIrvWAch1ImVTYaDR5kMwsZzHkp9+uSFsp2IKg+pjxC+jXno7lR"
    "QAz4x/0yezNQFKhwdfsu66coPuGiqXPJmeuIBSW7hu4i5Vgmxbkerhp7YiWj35HOtFrGuL"
    "wQBh6xC2DmHrPQtghrD1fdQ6hK3L4xqFsHUIW5dyD9TDSQzC1vde3xC2rryOJQirls4Ohb"
    "hqiKuGuOqeTGAQV72PWs96TRu5LQWiwB5WsodervzKmgxivppLLxFeySIKPrMMk3hxdntx"
    "9nEkQ8mdBQm0gsxIk0U1CY0MZbX69Oprm6AvNzc/uQymJ2bvIJ4jSRCdIIzS/Q6RaaMJdX"
    "WCJi6doXsymZDwAB626bhHAbOUrPBgaZu8+Ch5ieIh1h0/74f9w/7VNX2f2Gg8R/dj07LY"
    "kw9nputS9zBTrOgwcDzi+lr64j16nrLB8URc9g/soyjihL8If+sftj7F9gPx0EFoig9RYi"
    "MOUZRbOkRh7NkQJdEqQxRGQQ9RlNQQMYWvfkYclP9in4o1903dO5wZNY/h/l30maexGfwB"
    "ZBOQTXJv9/pJOwDZtI9ar0M2ZebfhnrPy25H85JYyJIrWuSQl6/mhFKh/zspqi2Z26DTmt"
    "ozVxCTWlUrPhZQ5pS6LVeJl8DdL/XnDd7+Pnj7w11t0zoKSyEI8WhcOQEqWOxaD5D3rr49"
    "r9PAEYb3l+ehpUTWykJrNapSDrJxYFq+aXuH/Hm7cI5BcprU9BKQd0DeSYPw5sg70WSxAZ"
    "T3O8lyx9Tod49dH/Eo1YGAEE3dHVbRoAFvFwW7NiA/QykUSg0Rs5Y9tpoSA43JhH1CyPSR"
    "GdJ//Eeyyz5Ft+F+HGEPYTRj+LmRsJjq3FjvnNi8Nw32T5OB6t5zwegDRAcYucQhOOyMff"
    "SsZ+MVwrbB/476+4uHWP8B6/iRzNlj6CG6f8JWQMJ+MHqess3ED9sOZmPiDvnTF3Kpl/CQ"
    "jx/5Wx+ib8y6ZT/zA7pfvH3Iy/Kn3vOzq+K/x9SfhtquTW+mx3T47PBj1UMfnwH8pjT85v"
    "JbbOLSykopl2Lz+uiohjOLtSp1ZoX3ssZbOFCb+WwXInC8Z2vHbXrOKYBf7QDIiSpI5irl"
    "A4BIjX1QM7EZpEHLWqUZUXDpyazntEHaVNF52a1oWhKHR/8UnWwzGms5LQiDWWYdY98nM0"
    "dUKK78bPuUiDJBCxsjci1eKpHwYOgipHfkpQTTrJQKQQhVg2T02101r7EYI1fXXz8nzfNk"
    "B/Aa3fMaoYOoIaRpGcATihhut4hh4evdALZfkn7UBDY9YKU6RP1XMp5S+jiyDYeaYu4i32"
    "RYRWA8R4155EjYuiaLcYZcohOT5yzRCTLojGGZOOwPFhlQNPAfWKcP969+DvOmPKK7JKQM"
    "2P8C1yYGojZPaYqyn9i37PJLLrLoA/v1RXpjO4/lvMfdlCCPjQjWTUreIC57uBGlh31mxu"
    "qvZ//HvsmLm9FdSENg5LL/sXsetnzBGx1GXWlsz3f/6sMP22dP4d5u7pFHU8o+AMQvhdLU"
    "tniKF2Wd6tSZ8x9s+ghb1CY8scumfviC6IC9OE9z4PQLG6r8KfV4D+A0ZOA0AtdqQmbEzR"
    "WM6z8+OnlfJyqXNSsPyw1v5s+3qIiMqDrKIiO2PcAHXX2/Wbjf1qKN3lbQRm+LtFFU9Snq"
    "qoB1eXhbTgxC3Kq3gi1C3OJ1hy8sTQZBTkzBWef0pMYoOD0pHQT8Vj75gjyZNPC0lpiXya"
    "vgAdk29uTFMd12x7lU9gQOXJkduP1ImBwQm4sbXS0xuSiR0zpBInmtpWJETvNjjTMa7Pnt"
    "Ts8pCMOIknlEGaYXfqsa22h6De3ooiisZKtXsgnb4TPQaMAMAMJ+sXCMVYVjlXSgDDu15c"
    "isyAPYhvnNSsI8J/M8B2FZ5cOun6VUoIDOPmpdMNgXhwYVqJpV53uxCZwzDua6J3yF6SQf"
    "o87mPfwWyrizTo9iSsisskSdzP1hLaarfrJOOTTArvSDXYEFXbWpHRb0fdR62YJeenBJq0"
    "OY0qLK5Yl1UvQohKcB0En7rtysO0zDO67DXrNW5S7W4wJ3jR1Te+IZvM18bjkx8Let9rfB"
    "mWJ7f6aYbEt1f5fmokXm4LlFsUDP5UEhKZHtB4TsRq3dhH5UsKEjO5gVAn63zIwWt59OVO"
    "ih4U5z8G309ePl188fUCz/w/52c30xur2NLrpUJ56Xvj76uLhMjB/2p7PLK34pStX6YV9+"
    "/np9wy/E9S0GbayCjdOukJ0E2UlKZCdBbvSeLP2LiTc6bK2Vxks7Ad33QPfrqBw0La2mG7"
    "BpXVJEZ8Q19elAQA7Fd4ZVtBBetpGGDiq15ISuSYENF3/o8nomN2LDldM+LXxm6/rLZNtm"
    "bsH5ywdVA4Tj5gqi20kJNvZEPya167pMUiLgMmnoMtnpYvbn/wMW9RGL"
)
