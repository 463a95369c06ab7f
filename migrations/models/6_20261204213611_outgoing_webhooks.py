from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
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
        DROP TABLE IF EXISTS "webhook_endpoints";"""


MODELS_STATE = (
    "eJztXWtz2ziy/SsofRmnSuvyI3FyM1u3yg8l6x3HTtnOztydTNEQCVtYUwSHD9uq2fz3C/"
    "Ah8QHSJCVKJNRfZmISDVKnCaDRp7vx12DKDGK6u8c2/YXMBh/RXwMLTwn/R+bOEA2wbS+u"
    "iwseHptBU2xT7ZHMgot47HoO1j1+/R6bLuGXDOLqDrU9yix+1fJNU1xkOm9IrYfFJd+if/"
    "pE89gD8SbE4Td+/4NfppZBXogb/2k/aveUmEbqZakhnh1c17yZHVz79u387FPQUjxurOnM"
    "9KfWorU98ybMmjf3fWrsChlx74FYxMEeMRI/Q7xl9IvjS+Eb8wue45P5qxqLCwa5x74pwB"
    "j8/d63dIEBipAdY5fsiqe+/9/oDROtNe3y6la7Gd1q2qAGhDqzBPzU8gRef/0I+13gElwd"
    "iAec/uP4eufw6E2ABHO9Bye4GaA2+BEIYg+HogH2C7B1hwhoNOzlQT/jdzw6JXLg05IZBR"
    "iR6G78jyaKiC8sNLH4CmNwY/haAHzAf6BxZZmz6BMoUcDt+ZfRze3xl6/icVPX/dMM8Du+"
    "HYk7B8HVWebqTqgvxgdYOPLmnaBfz2//gcSf6N9Xl6OsVuftbv89EO+EfY9pFnvWsJH4Wu"
    "OrMWq85ULrvm001HpaErTeFa3HGCXUHr39QuvB/3P6Pp1gR67ruH1GyxytPup1il80k1gP"
    "3oT/uX/woUSx/zq+DqZU3iqjrcvo1kF470cKX9sh9/SlDsILibYwzq1d64P4qArC2eGQAP"
    "goiy83S7QJdid1EE7KrAbj182DtUF89LYCxEdvCyEWt9IQuzoTfeQA/ufN1aUc4IVEdjGg"
    "uof+i0zqem1NFwk7bOxT06OWuyuetwkbTCCUWgdimHe+HP+W1cDpxdVJdoIXHZxk1OGQJ/"
    "bYaJ1OS65gnY6+8q5M5/1dlvPWmIldT/PdRnrOyoKmu6Zpsc+9f0xsvsSFMdYfn7FjaLk7"
    "7IAVtc3fmh5Ms1ewhR8CJQk0xXvGe3/foN7I8hy5Z2Bxd1jqHRDtNMIbUgIugu1wETBd9x"
    "2n0eyUEV3PdnGt9lg/d4tVfAQ2/+E6tbFZb0OTEFJwT9PGtpHbzxwP8V41gE4JqQf06nc2"
    "bPwfonsaNWrtbtJSsMNZ+Q6HGmRqM49Y+kzQDnWGgES00UDomL2bHggH795VGAm8VeFQCO"
    "5ldvn8DWyiOYT/YFd83XVglwoD8HWAJ0/cgm4Ge1IUQK8EerPPXPXvu4UV1vd0Vo9hSIgo"
    "SDIcHlSA+PCgEGJxKw2xQTxMJQZ5sQGzkFjKeOnYp7wOK6UjfptT5tsBODmfTXRnWOav0Y"
    "M21Tw1g2N0EywyKJT6iJ4n2EMYGdTlVywPefiRuIjd36MdjPgGROdrEX/rIWIOwhbC06AV"
    "tRCzeCdi589tszdDfs9A97zNhD0jk1kPu4OMltf8aPA89cPzBMEpxSuNuo4nCE5RTetVgl"
    "Oi/U2jTdESNnqX6f1WdkMmfSJiXcjDfMKYSbBVwDMmxDJAj7lcW2NpfmW9a9bJ1dVFatyc"
    "nN9mMP725WR0vbMfQM8bUS+4fH55K9/yRwtS3RktLw0Eb3cmsfzalfLS1F/AJOKg707re2"
    "bpjUyVlCDouMs6XmvYbMf0uAaDJNrMa3xvn0f5k8mwV0A1p+UyaN8Lwf7hXQLv2dW3k4sR"
    "+no9Oj2/OY+cXPOBEtxM2yLXo+OLDNahm0QO9Ql9OLcKsE7LZaDm794/oPnr8v/97X8ODg"
    "4P3x/sHR59ePf2/ft3H/Y+8LbBC+dvvS+zGM8/C9sv9dnnjcHYMVVnOknKqDelHFZxkRd7"
    "yHMOcr9+KEVSRkEWYvVx+DFgGrW0KbO8iSSkonAqkQsrNKUc7L99//bD4dHb+Uwyv1I2ge"
    "QnC6FFh4ggB/EmdTCWSALAeYCFae0GQJGpbGteiG9esBG8jeaNvZ6AG6KjjSVr3WuZCwlB"
    "2Bl1eWf0hE2Zv7bUkTiXWaMXMXbh9taJaBCTSL2HpVAnpMBl+wraXWH7fddj04CSzvP98b"
    "1hKeMftYLsDODIgSPvI1sKHPk2ah048u64pIEjB44cdo3AkYO+gSMHHVfRMZlK8xKKrZK5"
    "QEuU1uYsksODvUppH3sleR97WYsEYhAWBl8VPou3KjH4cozWlHhY7LDzEBdn1iRlupEYLB"
    "6rTGJw9AM0G8+mYqXncE+YoTXaAlXpS8WR0sLWCDzRHfJEJ9RCXdv3ZJXbTiLJT79cE7Mo"
    "ziFygp6FvfTvw/8Rf3Dx1YHEe0KtJ0b1ZTE6D3vpoWOsEkjRFLkkSF/DXhT9kNLLyGqg+h"
    "L0pShgrj+ed74kXDeJrlQdg76LHyIHx5JofRM9jZ6qDcXeYLUOAvaGuC4tyLvONBlWoWM1"
    "N2xdORU7ao889kisn1ykm5hOXbRj8e/CQd6EhHfeiAznIWKWTlBU83OInifECjKfxzP+bz"
    "aV5VuvtP/v1nfrmj27CDsE2b7DoRXJ23iG8L0XdjdD5MWmDvlZCHmiA/4f6oRPCQUdci8q"
    "WfKeZ894BpnawEIDH7kxtx+w0Nuo9Sos9H88Wsf5EjVXjnlefQGlua1Qb+nKiK1yDdusX3"
    "2ZpSphtfHu+EwjC0Qu/mhTQlBe8/Vvl7qu32glSAkquBD0d+KXsHyBBe820HJaUr060Cpp"
    "GQ6d2CYt11sX01LqcWYrK/DdkXyCmNGRuLESZE+x+yrJK0EyAbhxwI3Tsw09uHG2UeuQTN"
    "CdiBlIJoBkgm6ZvP2dxCCZYOv1DckE6uvYw54viXwpM0tiCfV89as/RSKs5iaxR16tACdB"
    "uMVSN21CvD3l3zoHfZv137jZ5tar/raQUM+buXqajzxRg3+NRDN80qC2k0QcluIuL8U6Hz"
    "cPpFnWjUxWvTHWis9g45Eg3UqwXE0gSBy2Xw/TtBQE10iorRzEeXw/MYfQB+sXMgtQPuev"
    "gi1d5tyqnUHSTVxzUev8soOf5wRX5rviAIQ5cuLWNZ+2r89PbwfSOWEF4CYrifVxIngV3M"
    "xEWIDuZijZIB3jjAj/rjMbSIjZdINhGT0b+q2MsC2tSNMOriyCmO+N2QsKOkAeC45NI5Zh"
    "Mw7qR2Tzf3I9IL7loybC6ODlBe24vq4TYhDjjTh0TWQIOMRzZuiZfwvsWUi7aOceU5O3yG"
    "ccrOuhr1PNvw/iZ0afx8J7YJEX4Qb0ROVc4SrikrnW8yOhxR+hAlxxVqgYcX8Ajd0FGrv4"
    "fN1iyEsO1l3xKt+VzUgN0ynzmedgLfMc5WXBg9TYgxSCGSCXU0JJsZWUlIJepBYOM07O8l"
    "VxTgkpCPPKouO67u3PYzyIrJO2FsK2z2yIjJo6pwgkRaC+fXYmzpqKOVzLPaEScQXDp1Ry"
    "hZrYXUbhEnFwfXde3+FSw9Uoi98qnDllonAAS34ODXAijsMkTq3i5T8tpR6jcLhXqYDgXk"
    "kBwb1cAUE+MGz+UKKRF504tmT6KqNI87Lqwb6/d1BlFyGaFdtdwc0MlwMx9YpFV0NM/TZq"
    "vUpMfcZVXNn3mBYD92M5yxjDtQIm7FcynjD2OEr02E+EX6XEsixGkhI7Pb45PT4bbYoROx"
    "cnFTJPRLldE505aeaksNGwjBmji+aaE7RvIYfx94HN2+jUxkE+xiOZhQwQ5DV2jBBKqamq"
    "2ZsSAm9uNW+uGAM1MI6aK4huK3FhzCb1zzdOCSmI9OrJH0eQla6nTbA7qbdRTssB2BXALu"
    "N/RpY/zVlym+eCqKXZDhPrj1tzHRycX2pfr68+X49ubj6iRD/frdOrL18vRrejs49IZ1N7"
    "XjB989xR7P/J66j4dISkzFKnI3TMZ1SCbSvHIPTLe9SRANaOuw0kXAPTm1VcSgkCn9RlHc"
    "8n9SZjOSMLmu6apjtS7yk+nULmQFkcXFHiNkmckQH1npT3i/TLugCW4vUJCripbdR6FW4K"
    "6j1Bvaf8WJpfgXpPUO+pc5NYfu2Cek9bpm+o96S+jjuYAaJSvSfLn45leeMlx0fPJdSL82"
    "zj3BYo69RuWaew+pioGiSxql+tWhbLKZPEtOak0whFG8v2jhXgjwUB/6Xwd8iUv0iUg1hb"
    "CSlp0EQzTXjMk8WQlcE/FwHMl8BcM6irB99xk+KVhV2ATprpZMJ3AHxzFbFFmu9IBsUteS"
    "lQh1xaBUuzbFc2+u02tSHLRYfMN2UXV5ef4+bZkJGCkmaWFxTZaOLiLeujJZ0o5vFNHm/e"
    "TAfFPYAGqmjAJg5lhki5dWo7irKy4Cvqsq8o0haxanv605Kg5S5r2aQWkTgEi8NN5wIQa9"
    "o81jSuTqHLLezXCsUs5JQxq1dbLSa2tCK86k5gRX3AVNblqUzUpvQdwu97lP8go1j7heOr"
    "rAsoKyI7ZgHOUV9V7GDBLqceshJRqE1eluG+mVrP3fxsV1TsuehTXgHEN5nu+vj9voqyZA"
    "ynkObvgS6/XVyUFRHIOa4kNv5JJPnpl2tiFqWt1i4S37EVrwj0H23mBnzhmnIGksyA8Maw"
    "LC9gKppULC9+jG4CDxY6oaYpCnoH/aOdu6nnaN/9g72Do7s3H9HzBHsIW+guDMYS73SHgi"
    "2EO+TXDTRhz4h6blgu3EXYIQg/8Dn0Qag5X2B8fY+F7IbuLKJDBNkN2xPnDtkN26h1yG7o"
    "DtMC2Q2Q3dBJW7qHkxhkN2y9viG7QXkdG9S1TTwLdpp1jJOsnIJR4q1YKIt9fR2001LqZZ"
    "XsVyoqvl9SVHw/X1T8njlT38R1cE6IKPhBr772Vhdzo5QCeM4e2HhmMmxoNStYFsmvsRxd"
    "bOWneZCezilP2PRJU2VIhdeoieD5PQO/RuWihJPNxQ/RRmNJDueb6Ck48rSHk9NGeJyr4B"
    "TVEDIJm5O8PSzjdMLTWBNKrHZyrMFEIlF0iOvO3ThkW3bD3u7e/Izu4rMe7xB1gyNb7wkx"
    "fnKR7jsuc4aIS+tsOqUeYo5BHPlZse08psrpsKlT/Coc7drsWMx6B2JGhmN3PY9rTEMpJn"
    "yAXWsx/idAqMZaHLdXby/VwmmjepAP3sQTlBFVkLVSyRkUrS2PVJa/8OrBsrGYghu71Ve9"
    "gBN8ZbuGNs58KI23rbBzVjTTrRWshe2TB7k4MSZuv1ReTNe+6XUnxrj6hEyx9kQcVxoxej"
    "PFplls6eek15cfs9+uvX948P5obuGLP8ps+psvxxcXoRFfw+fQ5k46jh+V7KIToaXFO+hk"
    "FCtUS1ZkxwPxhNsTWQbxhNuodYgn7A5bD/GEEE8IsUcQTwj6hnhC0HG1Md29iCCVqiU3KT"
    "C4iYqCirC5kjKnOuHWXbNSs0lhZarQbEoP9z7/zU31sBAGPTTTg84n9AeiLaWO4j4UKhyz"
    "br1AuffcKlxlEa5e7j35TjmQi+vKZsSgoGz9grK6SYMisIRv8SU2UMkHnhVUAf11VC6N6r"
    "lNCYfLWK6Cr6wPUEM1NyQHw/W0aLlspIWSLpQLbWhFB/N4kEbwy6UB+SrIx5XYGwEvFQbc"
    "q+AeF3bUpQRISRJdRk69SX71IbYG0UWR4NpYZ+UA69exjr/PKXFFdk8dG14iqgLia7fjN1"
    "0CtVtz+WoyIOKVrmbQVUoKIO1e3dNOAttC2dPoS1wBuOeLnpTENj1ml6hzKop4+J7sLIM6"
    "ObJnYS89dBMWJsgmv8vQLb0kRtdBJypBtIbI5y+Bx2hQHP8cNRhWiIKO3E8QDA3B0BAM3c"
    "ewWAiG3katQzB0d/yBEAwNwdD98Vt1exKDYOit1zcEQyuv47jITFWjJG6vYgzWyiOhxw6u"
    "V6ZkLqACZdM2uiZ2vbd10J0LqIduFQaymIDM8Y/kxdamzOJd5+AtL9WQElQoQrZpnYYsqD"
    "OCJdzM65jGcgBpJibBw/qkkY2SEQUrpctWCrDxQB13id4so46r8JutMlOOIJZljJQTMc4l"
    "TJRoAgQUEFBAQPWRigACahu1DgQUEFBAQAEBpf42EAioLdM3EFDK67huJff1l3APd8Vt7e"
    "3SRkmVgtfF5a5zxa5thxm+7jXMipYJq0edtGIHWlR/rHuCYlIGYK4EM9Y9bjnXNLYXQms0"
    "teN9Tm8tbSja0nbRFv4jPa1J8bSMoEIc4ZoLEzlEfLH8vTT+HsR5wmadr10urd5MvvojRP"
    "PIcVilw6BwDJR1odCAONh/+/7th8Ojt/NxML9S9vl369AIh02Z+P2nwuMlJaqSDYblhFXU"
    "NCgvUPEQxmN0E5i0aC6NhPRHhFFM7P3tHutcHcF15BCDkKn4kzdgvs2sIXqm3gRRz0Xs2U"
    "ImnfJ/5o9hbPNBwLIBywZ8C7BsoHVg2YBlA5YNWDbwyAPLBvoGlg10LAmgrlm0b6lifRVW"
    "yc0ZJO/29ioYJLxVoUES3Ms4x4PNesO6qxJZBZ3lUPFWKRMcmLe1Wd/kxaZ8KWiwQKclYY"
    "Xu8gothqzw/04DFCS13AqpD4kkMB75YSQ+cVcLXeyyTWwhvnlBZQ7kUYFOiuoWSnikRUXD"
    "YgIpUToRUp6AjAEypmdueSBjtlHrQMZ0ZycIZAyQMd3aOfR3EgMyZuv1DWSM8jqGA7Lh4N"
    "kNQt9mDoPrYc+XOC/LLO5YQkV0V170kNttruxQ37K0hFhCvVSE9k5eq49zXhLwfh3v+OyT"
    "em7QtNQq3aGbJW6bez1zzvgcxHl8a9d1+7roqZe4vlrXLf1dFZwIthma48YfJ396juxI3R"
    "+WUR5uoiUQH0B8APHRRxc4EB/bqHUgPoD4AOIDiA/1naRAfGyZvoH4UF/HHfQOb84oWb1z"
    "OChU17TYW05UPfdlK2bgnz62POpJSKVCMi8psj46b78tjFccqB0ybp5mE4cyg3+T2KnvtS"
    "joA9aHLq8PGa0RWWXQWnon0lqhoPVuaV2QDiY34Er1XrqnLuoC9td1KjwGIDZzEqdFYbx1"
    "ebzxsdFIyUk50HCXNcx/KTabLJ8pQdBxl3VsctRdT6PWE2u86SvrA3Z/lXZ/0TtrceTAlH"
    "DYjGbqqNIXqKWSWmzsu0Qbkwl+okxypGGJIyQnqR7kLXieAtT49OZPG1UqkMnD+tPl9cfG"
    "fOUwfL5q0ChmrJ6+s9Kg7S5r26BuUE5b4rz/583VZcF6lhTK6pfqHvovMqnbw9IUJZoVaK"
    "SUGs+aO1+Of8tOqKcXVydZbYkOTorKHG3q+OOO8SithMlu5vzjbiK71AHIVSJlE2Gg4eZD"
    "MrGcRJKffrkmfKdCpUH1EeLnYS+9nUpygKfGP/XIdEmAkuHB57y7ttygm4BqXWHXAW6vhF"
    "7H2FYLv9bmmoUYbIjBhhjsnkXjQgz2NmodYrC74+eDGGyIwe6kQd/DSQxisLde3xCDrbyO"
    "OxAj3Dk7FIKEIUgYgoR7MoFBkPA2aj3tNa3ltpSIAhVWSoW5mVoiS9Jh2dIkvUT4VUpM8p"
    "mlaLHT45vT47PRpurHfHP59ZHYig0kFEbi7rCMvPBFu3BHV/Gw5SuLoEAKBVJDxGddl7pc"
    "+2hM7vmnhKiHqIv4P8WP5Jc9Fh+bjF2E0ZTj54TC+ROWV9r7d+u7dUcN/k/KQXXuhGD4Ea"
    "IdjBxiExx0xj9+3rPxBmHLEH+H/f3kIt6/zzt+JDP+GLaL7p6w6ZOgH4yeJ8wk3y3Ln46J"
    "MxRPn8slXsJFHn4Ub72LvvKFif/Mj+hu/vZ8h3UXPPVOVBuL/h4zbxJou+K50L+nqO7g2c"
    "HHqgfrYrCL+wMYoy4wRotvsc42LS2lnB95v9IBbvslB7jt5w9wCwaqxIlcUpF1LgIFWWU+"
    "50oFWZNzTk0jPiOqID2mkvkO3PdWqJlYHFK/YXZZShR2413Wc9IgravorOxaNN2RLXn/FB"
    "1vM2prOSkIg7nLOsaeJ86OrHPkZFIEDkPMWrWmSG4hjiNLPLslLwWYpqVUSDorGySj325T"
    "4yOXJjEfIxdXl5/j5tncCUiTaMspkfAQCgdRTUiTMoAnpJ2sN+0k9/WuANsvcT9qApscsJ"
    "0qe/8rGU8YexxZhs2onLvINhmWERjPYWNB+gatK7IYx8ghOqFPxEHsHhlsyrGMHfY7d2Nq"
    "mlwLu8z3HninD3dvfkaU33GJ7pCAMuD/8x2LGIjxr2yILCJ64t+yIy45yGQP/Nfn6Y31PF"
    "bwHrcTglw+Ing3CXmDOPzhBrp32BR95sbqr8f/x7/J0+vRbUBDYOTw//F7LjY9yRvthl1p"
    "fM939+bjd8vjTxHebuGRRxPGPwAkLgXSzDJnQ+Qy3qnO7Jn4wdRD2GQWQTq2LOYFL4h2+I"
    "uLwHFBv/ChKp5SjfcATqMLnIbvmHXIjKi5inFme28/VAk0482KI82Cm9mKJCXcfVnxkZTY"
    "+gAftPX9puF+V4k2eldCG73L00ZhaHPYVQ7r4sT4jNhSqfHNMF/MJ2Ofmh613F3xvE3MJa"
    "1kzEfrjlhY6gyCjJiCs04LJ3g55Iky39UaYl4kr4IHZN3YkxebOs0K8JT2BA7cLjtwu1hW"
    "XbLmEEuIG20tMZkokaMqQSJZrSViRI5kJ0Py5zerd5QThhHV5RFlUDf4VhscAyoRhZWsyr"
    "mrlsVBYz43AAj/xdIxVhaOVdCBMuzUmiOzQg9gE+Y3LQnzXJfnOQjLKh52/SxOASVJtlHr"
    "ksE+r4yVo2peq8jGJ3DBONBla7IF6SRnYWezHn4LG6k3FpNZRYk6qfvDSkxX9WSdYmiAXe"
    "kHuwILumpTOyzo26j1ogW9sDpPo0pjSVHl8sRaqeMRwFMD6Li9eqdX7h9UYa95q2IX60GO"
    "u8Y21Z5EBm89n1tGDPxtr/vboHDe1hfO69pS3d+lOW+R2XhmMizRc3FQSEJk/QEhm1FrO6"
    "EfJWzoyPKnuYDfNTOj+e2nHRZ6qLnTHHwdXZ6dX37+iCL579bX66vT0c1NeNFhOnHd5PXR"
    "2fwyMb5bn47PL8SlMFXru3X++fLqWlyI6lsMmlgFK6ddITsJspOUyE6C3OgtWfrnE29YUb"
    "CRxgs7Ad33QPfLqBw03VlN12DT2qSIjolD9clAQg5Fd4ZltBBetOkMHVRoyUldkxIbLvrQ"
    "u+uZXIkNV0z7NPCZLesv69o2cw3OXzGoaiAcNVcQ3VZKsPEnehGpXdVlkhABl0lNl8lGF7"
    "Mf/w+DtJVS"
)
