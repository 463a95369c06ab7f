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
    "eJztXWlz4ziS/SsIfRlXhNrrsl2umuqNjfChqvG0jwrbtd077Q4aIiGLY17Nw7aip/77Aj"
    "wkHiBNUqIEQvmlu0wiQeolASTyZSb+Gpi2Rgxv99jRfyGzwWf018DCJqH/yN0ZogF2nMV1"
    "dsHHYyNsih1deSKz8CIee76LVZ9en2DDI/SSRjzV1R1fty161QoMg120VdpQtx4XlwJL/z"
    "Mgim8/En9KXHrj9z/oZd3SyCvxkj+dJ2WiE0PLvKyusWeH1xV/5oTXvn8/P/sStmSPGyuq"
    "bQSmtWjtzPypbc2bB4Gu7TIZdu+RWMTFPtFSP4O9ZfyLk0vRG9MLvhuQ+atqiwsameDAYG"
    "AM/nsSWCrDAMXIjrFHdtlTP/5P/Iap1opydX2n3I7uFGXQAELVthj8uuUzvP76EfW7wCW8"
    "OmAPOP3H8c3OwdG7EAnb8x/d8GaI2uBHKIh9HImG2C/AVl3CoFGwXwT9jN7xdZPwgc9K5h"
    "SgxaK7yT/aKCK5sNDE4itMwE3g6wDwAf2B2rVlzOJPoEIBd+eXo9u748tv7HGm5/1phPgd"
    "343Ynf3w6ix3dSfSl00HWDTy5p2gX8/v/oHYn+hf11ejvFbn7e7+NWDvhAPfViz7RcFa6m"
    "tNriao0ZYLrQeO1lLrWUnQuihaTzBKqT1++4XWw/8X9H06xS5f10n7nJYpWn3Uq4lfFYNY"
    "j/6U/vl+/1OFYv/3+CacUmmrnLau4lv70b0fGXwdl0z01yYILyS6wriwdq0P4qM6COeHQw"
    "rgozy+1CxRptibNkE4LbMajN82D9YG8dFhDYiPDkshZreyEHuqzfooAPzP2+srPsALifxi"
    "oKs++g8ydM/varpI2WHjQDd83fJ22fM2YYMxhDLrQALzzuXxb3kNnF5cn+QneNbBSU4dLn"
    "m2n1qt01nJFazT8VcuynTe32W5aI0Z2POVwGul57wsaFo0TbN97uQptfliF8ZYfXrBrqYU"
    "7tj7dlnb4i1z38xfwRZ+DJXE0GTvmez9A033R5bv8j0Di7vDSu8Aa6cQ2lAn4CLYDheBra"
    "qB67aanXKi69kurtUe6+dusY6PwKE/XNUdbDTb0KSEJNzTdLFtpPYzxYO9VwOgM0LyAb36"
    "nY09/jdRfUXXGu1uslKww1n5DkfXiOnYPrHUGaMdmgwBjmirgSCYvZsdCPsfPtQYCbRV6V"
    "AI7+V2+fQNHKK4hP5gj33dTWDnCgPwTYAnz9SCbgd7WhRArwV6u89c9u+7gxU28FW7GcOQ"
    "EpGQZDjYrwHxwX4pxOxWFmKN+FjnGOTlBsxCYinjRbBPeR1WiiB+m1M7cEJwCj6b+M6wyl"
    "+jhm3qeWoGx+g2XGRQJPUZvUyxjzDSdI9esXzk4yfiIXsyQTsY0Q2IStci+tZDZLsIWwib"
    "YSvdQrZFO2E7f2qbvRvSexqa0DZT+wUZtvW4O8hpec2PBs9TPzxPEJxSvtLI63iC4BTZtF"
    "4nOCXe37TaFC1ho4tM73eyGzL0Z8LWhSLMJ7ZtEGyV8IwpsRzQYyrX1ViaX1nvmnVyfX2R"
    "GTcn53c5jL9fnoxudt6H0NNGuh9ePr+642/54wWp6YxWlAaCV5xJrLh2Zbw0zRcwjjjoW2"
    "h9zyy1lamSEQQdi6zjtYbNCqbHNRgk8WZeoXv7IspfDBv7JVRzVi6H9oQJ9g/vCnjPrr+f"
    "XIzQt5vR6fnteezkmg+U8GbWFrkZHV/ksI7cJHyoT/THc6sE66xcDmr67v0Dmr4u/d9Pf9"
    "/fPzj4uL93cPTpw+HHjx8+7X2ibcMXLt76WGUxnn9ltl/msy8ag4ljqsl0kpaRb0o5qOMi"
    "L/eQFxzkQfNQirSMhCzE6uPwE8AU3VJM2/KnnJCK0qmELyzRlLL//vDj4aeDo8P5TDK/Uj"
    "WBFCcLpkWXsCAH9iZNMOZIAsBFgJlp7YVAEZO3NS/FtyjYCt5W88ZeT8CN0FHGnLXurcyF"
    "lCDsjETeGT1jg+evrXQkzmXW6EVMXLi9dSJqxCBc72El1CkpcNm+gbYobH/g+bYZUtJFvj"
    "+5N6xk/ONWkJ0BHDlw5H1kS4Ej30atA0cujksaOHLgyGHXCBw56Bs4ctBxHR0Tk5uXUG6V"
    "zAU6orQ2Z5Ec7O/VSvvYq8j72MtbJBCDsDD46vBZtFWFwVdgtEziY7bDLkJcnlmTlhEjMZ"
    "g9VprE4PgHKA6emWylp3BPbU1ptQWq05eMI6WDrRF4ogXyRKfUontO4PMqt53Ekl9+uSFG"
    "WZxD7AQ9i3rp34f/I/ngkqsDjvdEt55tXV0Wo/Oolx46xmqBFE+RS4L0LepF0g8pu4ysBq"
    "rLsC9JAfOC8bzzJeG6TXUl6xhMw6W45Fn3VovbTdylrPgFHn6MHURLovad9TR6rjeV9Qar"
    "dRDYt8Tz9JK89VyTYR06W/Gi1rVT2eP2yLefiPU3D6kG1k0P7Vj0u3CRPyXRnXcsQ3yIbE"
    "slKK6ZOkQvU2KFmePjGf23bfLy1Vfa/711b93YLx7CLkFO4FJoWfI7niE88aPuZoi8OrpL"
    "fmZCPuuA/kd3o6dEgi6ZsEqgtOfZC55Bpjuw+MDnbsxtCiz+Nmq9Dov/b19v4ryKm0vH3K"
    "++ANXcVmi2dOXEVrmGbZaXWGapSllttDs60/ACucs/2owQlCd9+9vVPS9otRJkBCVcCPo7"
    "8XNY0tCC91poOSspXx1tmbQMh3Zsk5abrYtZKfk4x5UVSBckHyNhxDhurBRZVu6+SvNykI"
    "wBbhxw4/RsQw9unG3UOiRjiBNxBMkYkIwhlsnb30kMkjG2Xt+QjCG/jn3sB5zIlyqzJJGQ"
    "z1e/+lM4omp4HHvkzQp6HIQ7LBXUJcTbUz5POOi7rJ9HzTavWfW8hYR83szV03zkWdfo10"
    "gULSAtamNxxGEpFnkpVum4eSTtspZ4svKNsU58BhuPBBErQXU1gSBJ2kMzTLNSEFzDobYK"
    "EBfx/WK7RH+0fiGzEOVz+irYUnnOrcYZOGLiWohap5dd/DInuHLfFQUgyjFkt27otH1zfn"
    "o34M4JKwA3XYmtjxPBm+DmJsISdDdDyYbpGGeE+Xfd2YBDzGYbDKvo2chvpUVt9Zo07eDa"
    "IsgO/LH9isIOkG+Hx84RS3NsCupn5NB/Uj0guuXTDYTR/usr2vECVSVEI9o7dmgdyxBwie"
    "/O0Av9FuwXJu2hnQnWDdqimHGwroe+TTX/PkieGX8eC++BRV6ZG9BnlYeZq4hKFlrPj9Rm"
    "f0QK8NhZq2zE/QE0tgg0dvn5xOWQVxxMvOJVXpTNSAPTKfeZF2Ct8hwVZcGD1NqDFIEZIl"
    "dQQkWxmoyUhF6kDg6DTs/ydXHOCEkI88qi40T39hcxHsTWSVcLYddnXsRGTZNTGNIicD5A"
    "fibOm4oFXKs9oRxxCcOnZHKFGthbRuEccXB9C6/vaKmhauTFb5XOnDxROMCmOIeGOBHXtT"
    "lOrfLlPyslH6NwsFerAONeRQHGvUIBRjowHPpQopBXlbgOZ/qqokiLsvLB/n5vv84ugjUr"
    "t7vCmzkuB2LqJYuuhpj6bdR6nZj6nKu4tu8xKwbux2qWMYFrBUzYr2Q8te2nUarHfiL8Ji"
    "WWZzHSlNjp8e3p8dloU4zYOTvp0fZZlNsNUW03y5yUNhpWMWP6ornihu07yGH8feDQNqru"
    "4DAf44nMIgYI8hoFI4Qyaqpr9maEwJtbz5vLxkADjOPmEqLbSVyY7ZDm50NnhCREevXkj8"
    "vISs9XptibNtsoZ+UA7BpgV/E/IyswC5bc5rkg3VIc12brj9dwHRycXynfbq6/3oxubz+j"
    "VD/31un15beL0d3o7DNSbdOZF5zfPHeU+H+KOio/XSIts9TpEoL5jCqw7eQYiX55jwQJYB"
    "XcbcDhGmy1XcWljCDwSSLreD6ptxnLOVnQtGiaFqTeU3K6B8+Bsjj4o8JtkjpjBOo9Se8X"
    "6Zd1ASzF2xMUcFPbqPU63BTUe4J6T8WxNL8C9Z6g3pNwk1hx7YJ6T1umb6j3JL+OBcwAka"
    "nekxWYY17eeMXx23MJ+eI8uzi3Bco6dVvWKao+xqoGcazqN6uWJXLSJDGtOek0RtHBvL1j"
    "DfgTQcB/KfxdYtIXiXMQGyshIw2aaKcJ3/Z5MWRV8M9FAPMlMFc03VPD77hN8crSLkAn7X"
    "QypTsAurmK2SIlcDmD4o68lqiDLy2DpVm1Kxv9dpfZkBWiQ+absovrq69J83zISElJM8sP"
    "i2y0cfFW9dGRTiTz+GbOO2/nZi/tATRQRwMOcXVbYym3bmNHUV4WfEUi+4pibRGrsac/Kw"
    "laFlnLhm4RjkOwPNx0LgCxpu1jTZPqFCrfwn6rUMxCThqzerXVYhJLK8ar6QRW1gdMZSJP"
    "Zaw2ZeASet/X6Q/SyrVfOr6quoCyIrxjFuAc9VXFDpbscpohyxGF2uRVGe6bqfUs5me7om"
    "LPZZ/yCiC+zXXXx+/3TZQ5YziDNH0PdPX94qKqiEDBccWx8U9iyS+/3BCjLG21cZF4wVa8"
    "MtB/dJkbcEk15Q44mQHRjWFVXoDJmtQsL36MbkMPFjrRDYMV9A77RzsPpu8q98H+3v7Rw7"
    "vP6GWKfYQt9BAFY7F3ekDhFsIb0usamtovSPe9qFy4h7BLEH6kc+gjU3OxwPj6HgvZDeIs"
    "okME2Q3bE+cO2Q3bqHXIbhCHaYHsBshuENKW7uEkBtkNW69vyG6QXsea7jkGnoU7zSbGSV"
    "5OwijxTiyUxb6+CdpZKfmySt7XKir+vqKo+PtiUfGJ7ZqBgZvgnBKR8INefe0tEXOjpAJ4"
    "zh44eGbYWFMaVrAsk19jObrEys/yID2dU56xEZC2yuAKr1ET4fN7Bn6DykUpJ5uHH+ONxp"
    "IcznfWU3jkaQ8np43wONfhKaoRZBw2J317WMXpRKexppRY7+RYzWaJRPEhrjsP44ht2Y16"
    "e3j3M3pIznp8QLoXHtk6IUT7m4fUwPVsd4iotGqbpu4j29WIyz8rtpvH1DkdNnOKX42jXd"
    "sdi9nsQMzYcBTX87jGNJRywgfYtQ7jf0KEGqzFSXv59lIdnDaqhvngbTxBOVEJWSuZnEHx"
    "2vKk8/IX3jxYNhGTcGO3+qoXcIIvb9fQxZkPlfG2NXbOkma6dYI1s32KIJcnxiTtl8qLEe"
    "2bXndijKdOiYmVZ+J63IjRWxMbRrmlX5BeX37M+27t/YP9j0dzC5/9UWXT314eX1xERnwD"
    "n0OXO+kkfpSzi06FlpbvoNNRrFAtWZIdD8QTbk9kGcQTbqPWIZ5QHLYe4gkhnhBijyCeEP"
    "QN8YSg43pjWryIIJmqJbcpMLiJioKSsLmcMqcqodZdu1KzaWFpqtBsSg+TgP7mtnpYCIMe"
    "2ulBpRP6I1GWUkd5HxIVjlm3XqDce2EVrrMI1y/3nn6nAsjldWVzYlBQtnlBWdXQwyKwhG"
    "7xOTZQxQeeF5QB/XVULo3ruZmEwqUtV8GX1weooZ4bkoLh+Uq8XLbSQkUX0oU2dKKDeTxI"
    "K/j50oB8HeSTSuytgOcKA+51cE8KO6pcAqQiiS4nJ98kv/oQW42orEhwY6zzcoD121gn36"
    "dJPJbd08SG54jKgPja7fhNl0AVay5fTQZEstI1DLrKSAGk4tU9FRLYDsqexl/iCsA9X/Qk"
    "JbbZMbtEnVNWxCPweWcZNMmRPYt66aGbsDRBNv1dRm7pJTG6CTuRCaI1RD5fhh6jQXn8c9"
    "xgWCMKOnY/QTA0BENDMHQfw2IhGHobtQ7B0OL4AyEYGoKh++O3EnsSg2Dordc3BENLr+Ok"
    "yExdoyRpL2MM1sojoccublamZC4gA2XTNboG9vzDJujOBeRDtw4DWU5AFvhH8uoopm3Rrg"
    "vwVpdqyAhKFCHbtk5DHtQZwRxu5m1MEzmANBeT4GN12spGyYmClSKylQJsPFDHItGbVdRx"
    "HX6zU2bKZcQyj5FyY8a5goliTYCAAgIKCKg+UhFAQG2j1oGAAgIKCCggoOTfBgIBtWX6Bg"
    "JKeh03reS+/hLu0a64q71d1iipU/C6vNx1odi149paoPots6J5wvJRJ53YgZauPjU9QTEt"
    "AzDXghmrPrWcGxrbC6E1mtrJPqe3ljYUbem6aAv9kb7SpnhaTlAijnDNhYlcwr5Y+l4KfQ"
    "/iPmOjydfOl5ZvJl/9EaJF5Cis3GFQOgaqupBoQOy/P/x4+Ong6HA+DuZXqj5/sQ6NcG3T"
    "Zr//lHm8uERVusGwmrCKm4blBWoewniMbkOTFs2lEZP+jDBKiL2fJlil6givI5dohJjsT9"
    "rADhzbGqIX3Z8i3feQ/WIhQzfpP4vHMHb5IGDZgGUDvgVYNtA6sGzAsgHLBiwbeOSBZQN9"
    "A8sGOuYEUDcs2rdUsb4aq+TmDJIPe3s1DBLaqtQgCe/lnOPhZr1l3VWOrITOcqh4K5UJDs"
    "zb2qxv8urodClosUBnJWGFFnmFZkOW+X/NEAVOLbdS6oMjCYxHcRixT9xTIhc7bxNbim9R"
    "UJoDeWSgk+K6hRweaVHRsJxASpVOhJQnIGOAjOmZWx7ImG3UOpAx4uwEgYwBMkasnUN/Jz"
    "EgY7Ze30DGSK9jOCAbDp7dIPRd5jB4PvYDjvOyyuJOJGREd+VFD6nd5vEO9a1KS0gk5EtF"
    "6O7kteY4FyUB77fxTs4+aeYGzUqt0h26WeK2vdez4IwvQFzEt3Fdt2+LnnqJ65t13bLfVc"
    "mJYJuhOW6DcfqnF8iOzP1hFeXhpVoC8QHEBxAffXSBA/GxjVoH4gOIDyA+gPiQ30kKxMeW"
    "6RuID/l1LKB3eHNGyeqdw2GhurbF3gqi8rkvOzED/wyw5es+h1QqJfPSIuuj8953hfGKA7"
    "Ujxs1XHOLqtka/Sew291qU9AHrg8jrQ05rhFcZtJHeCbdWKGhdLK0z0sGgBlyl3iv31GVd"
    "wP66SYXHEMR2TuKsKIw3kccbHRutlJyWAw2LrGH6S7HRZvnMCIKORdaxQVH3fEW3nu3Wm7"
    "6qPmD3V2v3F7+zkkQOmITCprVTR52+QC211OLgwCPKmEzxs25zjjSscIQUJOWDvAPPU4ga"
    "nd4Cs1WlAp48rD8irz8OpiuHFtBVQ49jxprpOy8N2hZZ25ruheW0Oc77f95eX5WsZ2mhvH"
    "511Uf/QYbu9bA0RYVmGRoZpSaz5s7l8W/5CfX04vokry3WwUlZmaNNHX8sGI/SSZjsZs4/"
    "FhPZpQ5ArhMpmwoDjTYfnInlJJb88ssNoTsVnRtUHyN+HvXS26mkAHhm/Os+MZcEKB0efE"
    "6768oNummoXPKse/wCSm3huom7lAmydUWqh5/aG9HqyedYL2JdmQ8GCFuHsHUIW+9ZADOE"
    "rW+j1iFsXRzXKIStQ9i6kHugHk5iELa+9fqGsHXpdSxAWLVwdijEVUNcNcRV92QCg7jqbd"
    "R61mvayG3JEQX2sJI99HLlV5ZkEPPVXHqJ8JssIuczyzCJp8e3p8dnIxFK7sxJoDfIjDRZ"
    "VJPQyFBWb59efW0RdHlz85NLYXqm9g5iOZIE2ROEUbrfIdItNLFdlaCJa5vogUwmJDyAh2"
    "46HlBALSUjPFjaIq8+Sl6ieIh1x8+7t+6tX13d94mFxjP0MNYNgz5519Rd13Z3M8WKdgPH"
    "I66vpC8+oJcpHRzPxKX/wD6KIk7Yi7C3vrfUKbYeiYd2QlN8iBIbcYii3NIhCmPPhiiJVh"
    "miMAp6iKKkhogpfPczYqD8F/1UjJmvq96uqdU8hvt33meexmbwB5BNQDaJvd3rJ+0AZNM2"
    "ar0O2ZSZfxvqPS+7Hs0LYiELrmieQ168mhNShf5vpKi2YG6DTmtqmy4nJrWqVnwsIM0pdW"
    "uuEi+Au1/ozxu8/X3w9oe72qZ1FBZCEOLRuHICVLDYtB4g711+e161A4cb3l+eh5YSWSoL"
    "rdWoSjnIxoFu+Lrl7bLnbcI5BslpQtNLQN4BeScMwqsj73iTxQpQ3u4kyw1To989en3Eol"
    "QHHEI0dXdYRYMGrF0U7NqA/AylUCg1RNRa9uhqSjQ0JhP6CSHdR3pI/7EfSS/7NroN9+MI"
    "ewgjk+LnRsJ8qnNlvTNi80HX6D91Cqr7wASjDxDtYOQSh+CwM/rR0561dwhbGvs76u9vHq"
    "L9B7TjJzKjj7F30cMzNgIS9oPRy5RuJu4tKzDHxB2yp8/lUi/hIR8/sbfeRd+odUt/5mf0"
    "MH/7kJdlT31gZ1fFf49tfxpquza9mR7T4bPDj1UNfXwa8JvC8JuLb7GJSysrJV2Kzfu9vR"
    "rOLNqq1JkV3ssab+FAbeaznYvA8Z6tHbfpOacAfrUDICcqIZkrlQ8AIjW2Qc3EopAGLWuV"
    "ZkTBpSeyntMGaVNF52XXomlBHB79U3SyzWis5bQgDGaRdYx9n5gOr1Bc+dn2KRFpghZWRu"
    "QarFQiYcHQRUjvyGsJplkpGYIQqgbJ6Le7al5jPkYurq++Js3zZAfwGt3zGqGDqCGkaRnA"
    "E4oYrreIYeHrXQG2l0k/cgKbHrBCHaL+KxlPbftpZGmOrfO5i3yTYRWB8RI1ZpEjYeuaLM"
    "YxcolKdJazZE+QZpsUy8RhvzPPgLID/5F2+vjw7ucwb8ojqktCyoD+L3AtoiHbYilNUfYT"
    "/ZZddslFhv1If32R3ljPYxnvcTclyKMjgnaTkteISx+uRelhX6mx+uvx/9Fv8vRmdBfSEB"
    "i59H/0nocNn/NGu1FXCt3zPbz7fG/59CnM28088mhq0w8AsUuhtG0ZLMXLpp2qtjNjP1j3"
    "ETZsi7DELsv2wxdEO/TFWZoDo1/oUGVPqcd7AKchAqcRuEYTMiNuLmFc//7e4ac6Ubm0WX"
    "lYbngzf75FRWRE1VEWGbH1AT7o6vvNwv2hFm30oYI2+lCkjaKqT1FXBazLw9tyYhDiVr0V"
    "bBHiFq87bGFpMghyYhLOOkeHNUbB0WHpIGC38skX5Fm3A09piXmZvAwekHVjT14d3W13nE"
    "tlT+DAFdmB24+EyQGxmLjW1RKTixI5qhMkktdaKkbkKD/WGKNBn9/u9JyCMIwokUeUpnvh"
    "t6rQjabX0I4uisJK9vZKNqE7fAqaHVADgNBfzB1jVeFYJR1Iw06tOTIr8gC2YX6zkjDPiT"
    "zPQVhW+bDrZykVKKCzjVrnDPb5oUEFquat873oBM4YB33ZE77CdJKzqLNZD7+FMu6s06OY"
    "EjKrLFEnc39Yi+mqn6xTDg2wK/1gV2BBl21qhwV9G7VetqCXHlzS6hCmtKh0eWKdFD0K4W"
    "kAdNK+KzfrBtPw9uuw17RVuYt1v8BdY0dXnlkGbzOfW04M/G1v+9vgTLGtP1NMtKW6v0tz"
    "0SJz8MywMUfP5UEhKZH1B4RsRq3dhH5UsKEjKzALAb9rZkaL208nKvTQcKc5+Da6Oju/+v"
    "oZxfL31reb69PR7W100bVV4nnp66Oz+WWi3Vtfjs8v2KUoVeveOv96dX3DLsT1LQZtrIKV"
    "066QnQTZSVJkJ0Fu9JYs/fOJNzpsrZXGSzsB3fdA98uoHDQtrKYbsGldUkTHxNXV6YBDDs"
    "V3hlW0EF60EYYOKrXkuK5Jjg0Xf+jieiZXYsOV0z4tfGbL+stE22auwfnLBlUDhOPmEqLb"
    "SQk2+kQ/JrXrukxSIuAyaegy2ehi9uP/AZbK2C8="
)
