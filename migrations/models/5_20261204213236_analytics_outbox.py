from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "outbox_events" (
    "sequence" BIGSERIAL NOT NULL PRIMARY KEY,
    "id" UUID NOT NULL UNIQUE,
    "type" VARCHAR(64) NOT NULL,
    "occurred_at" TIMESTAMPTZ NOT NULL,
    "object_kind" VARCHAR(32) NOT NULL,
    "object_id" VARCHAR(128) NOT NULL,
    "customer_id" VARCHAR(128),
    "data" JSONB NOT NULL,
    "schema_version" SMALLINT NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_outbox_even_type_d6e2ee" ON "outbox_events" ("type");
CREATE INDEX IF NOT EXISTS "idx_outbox_even_custome_22fb0e" ON "outbox_events" ("customer_id");
CREATE INDEX IF NOT EXISTS "idx_outbox_even_object__9ca0b2" ON "outbox_events" ("object_id", "sequence");
COMMENT ON TABLE "outbox_events" IS 'One domain event (`billing.outbox`); `sequence` is the feed''s cursor, in commit order.';
        CREATE TABLE IF NOT EXISTS "subscription_revisions" (
    "id" UUID NOT NULL PRIMARY KEY,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "effective_at" TIMESTAMPTZ NOT NULL,
    "status" VARCHAR(32) NOT NULL,
    "currency" VARCHAR(3),
    "mrr" BIGINT NOT NULL,
    "price_stripe_id" VARCHAR(255),
    "quantity" INT NOT NULL,
    "paused" BOOL NOT NULL,
    "cancel_at_period_end" BOOL NOT NULL,
    "trial_end" TIMESTAMPTZ,
    "coupons" JSONB NOT NULL,
    "customer_id" UUID NOT NULL REFERENCES "customers" ("id") ON DELETE CASCADE,
    "subscription_id" UUID NOT NULL REFERENCES "subscriptions" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_subscriptio_effecti_40bf90" ON "subscription_revisions" ("effective_at");
CREATE INDEX IF NOT EXISTS "idx_subscriptio_custome_878763" ON "subscription_revisions" ("customer_id");
CREATE INDEX IF NOT EXISTS "idx_subscriptio_subscri_8c0e38" ON "subscription_revisions" ("subscription_id");
CREATE INDEX IF NOT EXISTS "idx_subscriptio_subscri_20c77a" ON "subscription_revisions" ("subscription_id", "effective_at");
COMMENT ON TABLE "subscription_revisions" IS 'One MRR-relevant state of a subscription, in force from `effective_at` until its next revision.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "subscription_revisions";
        DROP TABLE IF EXISTS "outbox_events";"""


MODELS_STATE = (
    "eJztXftz27ay/lcw+uU4M6qvY7tObnrnztiOkuNTPzK2c9s5TYeGSMhizYdKgnY0Pf3fL8"
    "CHxAdIk5QogdD+0sYgFqS+xWOx32Lx18B2DWL5+6cz82cyH3xAfw0cbBP2j9yTIRrg2WxZ"
    "zgsoHlthVTwztScyDwvx2Kce1ikrn2DLJ6zIIL7umTNqug4rdQLL4oWuziqazuOyKHDMPw"
    "OiUfeR0Cnx2IPffmfFpmOQ78RP/pw9aROTWEbmY02Dvzss1+h8FpZ9/Xrx8VNYk79urOmu"
    "FdjOsvZsTqeus6geBKaxz2X4s0fiEA9TYqR+Bv/K+BcnRdEXswLqBWTxqcaywCATHFgcjM"
    "H/TAJH5xigGNkx9sk+f+u7/42/MFVb065v7rW70b2mDRpAqLsOh990KMfrr7+jdpe4hKUD"
    "/oLzf57e7h2dvAmRcH366IUPQ9QGf4eCmOJINMR+CbbuEQ6NhmkR9I/sCTVtIgY+K5lTgB"
    "GL7if/aKOIpGCpiWUvTMBN4OsA8AH7gcaNY83jLlChgPuLq9Hd/enVF/462/f/tEL8Tu9H"
    "/MlhWDrPle5F+nLZAItG3qIR9MvF/T8R/xP9++Z6lNfqot79vwf8m3BAXc1xXzRspHprUp"
    "qgxmoutR7MjJZaz0qC1mXReoJRSu3x1y+1Hv6/oO/zKfbEuk7q57TM0OqjXm38XbOI80in"
    "7M+3h+8rFPt/p7fhlMpq5bR1HT86jJ79ncF35pGJ+b0JwkuJrjAurF2bg/ikDsL54ZAC+C"
    "SPLzNLtCn2p00QTsusB+PXzYONQXxyXAPik+NSiPmjLMS+7vI2CgD/6+7mWgzwUiK/GJg6"
    "Rf9BlunTrqaLlB02DkyLmo6/z9+3DRuMI5RZBxKY965Of81r4Pzy5iw/wfMGznLq8Miz+9"
    "Rqnc5KrmGdjnu5LNN5f5flojVmYZ9qgd9Kz3lZ0LRsmub73MlTavPFC8ZYf3rBnqEVnriH"
    "blnd4iP70M6XYAc/hkriaPLvTPb+gWHSkUM9sWdg+XRY6R3g9TTCKpoEXAS74SJwdT3wvF"
    "azU050M9vFjdpj/dwt1vERzNgP180ZtpptaFJCCu5putg2MvuZ4cG/qwHQGSH1gF7/zsYd"
    "/0F0qplGo91NVgp2OGvf4ZgGsWcuJY4+57RDkyEgEG01ECSzd7MD4fDHH2uMBFardCiEz3"
    "K7fPYFM6J5hP1gn/fuJrALhQH4JsCTZ2ZBt4M9LQqg1wK9XTdXvX93sMIGVHebMQwpEQVJ"
    "hqPDGhAfHZZCzB9lITYIxabAIC83YJYSKxkvknXlTVgpkvhtzt1gFoJT8NnET4ZV/ho9rF"
    "PPUzM4RXfhIoMiqQ/oZYopwsgwfVbiUETxE/GRO5mgPYzYBkRnaxH76iFyPYQdhO2wlukg"
    "12GN8J0/s83eDNkzA01Ynan7gizXedwf5LS84VeD56kfnicITilfadR1PEFwimparxOcEu"
    "9vWm2KVrDRZab3O9kNWeYz4etCEeYz17UIdkp4xpRYDugxk+tqLC1KNrtmnd3cXGbGzdnF"
    "fQ7jr1dno9u9tyH0rJJJw+KL63vxlj9ekJrOaEVpIHjlmcSKa1fGS9N8AROIg76l1vfc0V"
    "uZKhlB0LHMOt5o2KxketyAQRJv5jW2ty+i/MlyMS2hmrNyObQnXLB/eFfA+/Hm69nlCH25"
    "HZ1f3F3ETq7FQAkfZm2R29HpZQ7ryE0ihvrMfLxwSrDOyuWgZt/eP6DZ57L//fDfh4dHR+"
    "8OD45O3v94/O7dj+8P3rO64QcXH72rshgvPnPbL9Pti8Zg4phqMp2kZdSbUo7quMjLPeQF"
    "B3nQPJQiLaMgC7H+OPwEMM10NNt16FQQUlE6lYiFFZpSDt8evzt+f3RyvJhJFiVVE0hxsu"
    "Ba9AgPcuBf0gRjgSQAXASYm9Z+CBSxRVvzUnyLgq3gbTVvHPQE3AgdbSxY6147uZAShJ2R"
    "zDujZ2yJ/LWVjsSFzAa9iIkLt7dORINYROg9rIQ6JQUu21fQloXtD3zq2iElXeT7k2fDSs"
    "Y/rgWnM4AjB468j2wpcOS7qHXgyOVxSQNHDhw57BqBIwd9A0cOOq6jY2ILzyWUWyULgY4o"
    "re1ZJEeHB7WOfRxUnPs4yFskEIOwNPjq8FmsVoXBV2C0bEIx32EXIS4/WZOWkeNgMH+tMg"
    "eD4x+gzfDc5is9g3vqGlqrLVCdtlQcKR1sjcATLZEnOqUW058FVJS57SyW/PTzLbHK4hxi"
    "J+jHqJX+dfy/kw6XlA4E3hPTeXZNfVWMLqJWeugYqwVSPEWuCNKXqBVFO1J2GVkPVFdhW4"
    "oC5gfjReMrwnWXakrVMZiGS/PIs+mvF7fbuElV8Qt8/Bg7iFZE7StvafRcbyrrDVabILDv"
    "iO+bJefWc1WGdehszY9q1z7KHtdH1H0izj98pFvYtH2057B+4SE6JdGTN/yE+BC5jk5QnD"
    "N1iF6mxAlPjo/n7N+uLTqvvtb2vznfnFv3xUfYI2gWeAxafvgdzxGe0Ki5OSLfZ6ZHfuJC"
    "lDfA/mN60VsiQY9MeCZQ1vL8Bc/hpDuw+MDnbs1tCiz+Lmq9Dov/BzWbOK/i6sox9+tPQL"
    "WwFZotXTmxda5h2+UlVlmqUlYba47NNKJA7vJOmxGC9KSv913T94NWK0FGUMGFoL8Tv4Al"
    "DS14v4WWs5Lq5dFWSctwaccuabnZupiVUo9zXFuCdEnOYySMmMCNlSLLyt1XaV4ODmOAGw"
    "fcOD3b0IMbZxe1Docx5Ik4gsMYcBhDLpO3v5MYHMbYeX3DYQz1dUwxDQSRL1VmSSKhnq9+"
    "/bdwRNnwBPbIqxn0BAh3mCqoS4h3J32edNB3mT+PmW1+s+x5Swn1vJnrp/nIs2mw3kg0Iy"
    "AtcmMJxGEplnkp1tm4eSTtTi2JZNUbY534DLYeCSLXAdX1BIIkxx6aYZqVguAaAbVVgLiI"
    "7yfXI+aj8zOZhyhfsE/Bji5ybjU+gSMnroWodVbs4ZcFwZXrVwyA6Iwhf3TLpu3bi/P7gX"
    "BOWAO46UxsfZwIXgU3NxGWoLsdSvZiee3vLdFdL0t3llYaVtG06auEvbB+B4ztb9nb0fmV"
    "xb8Diyshi5tRU11rLSOk4EZzbZEd6Tm54Y3fq9zyLTe6nVjB7ow0z4afEVIQ6fXv6ZOboq"
    "fYnzbznGTlAOwaYFf5tkdOYBcsuA37uYtgs4fazHP5+uM3XAcHF9fal9ubz8zkuvuAUu18"
    "c85vrr5cju5HHz8g3bVni/Qa278dgn0fv3JYwNeX59JJy8A91e2T5vQr/kyS7XrvnIqWq7"
    "eLL88IguNYZh0vJvU2YzknC5qWTdOSRLcnuYxEDpRlmqMKt0kqoxJEtyvvF+mXdQFxzq9P"
    "UBDdvotah+h2eXx0EN0O0e1gW0N0O+gbottBxxDdvv3odiewx6IomYrLBhYS6oUndpGlCo"
    "LYuw1ij85a8BhpgVX96hmNRE6ZK503fEgjRnGGhVcDvw5/Igj4r4S/x2/YcfjntVFCRho0"
    "0U4T1KWiGLIq+BcigPkKmGuG6ethP25zVK+0CdBJO51M2Q6Aba5itkgLPMGguCffS9Qhll"
    "bB0qzalY1+vc9syArRIYtN2eXN9eekej5kpOQAh0P5/1q5eKvaUO4qt048vpnbHdq52Utb"
    "AA3U0cCMeGZ4/Rf2GjuK8rLgK5LZVxRriziNPf1ZSdCyzFq2TEd0q1d5uOlCAGJN28eaYk"
    "qJPaOaLrawy3eYeTllzOrDt8fvjt8fnRwvrOlFSZURXTSYHWYMLy6rjPFqOoGVtQFTmcxT"
    "2QSbVuAR9pya7AcZ5dovHV9VTbQaapKpe92Dbeu5AiTjl9aTLCCzR2mGrEAUMjFUZQ3Yzs"
    "l2Obvtmo62l3XlNUDc8AZLKfvvqygLxnAGafYd6Prr5WVVEgG4lHabFzleMU15A8HJgOjB"
    "sOpcgM2r1L6p8S70YKEz02L7skcUto/2Hmzqad+Cw4PDk4c3H9DLFFOEHfQQBWPxb3pA4R"
    "bCH4ZXKU7dF2RSH0XXfob3IeJHNoc+cjWLLnDc1GvhdIM8i+gQwemG3Ylzh9MNu6h1ON0g"
    "D9MCpxvgdIOUtnQPJzE43bDz+obTDcrrmF8YZ+F5uNNsYpzk5RSMEu/EQlnu65ugnZVS71"
    "TJ24ODOmmhDg7K80LxZ1moJ65nBxZugnNKRMEOvf7cWzKejVIK4AV7MMNzy8WG1jCDZZn8"
    "BtPRJVZ+lgfp6ZzyjK2AtFWGUHiDmgjf3zPwG2QuSjnZfPwYbzRW5HC+8pZGz2vLbK4+j3"
    "MT0LH7PYJMwOakHw+rOB03rJhS4uvUzo1DkOHyg0QRPYL2HsYR27Iftfbw5if04PM0qGx/"
    "8oBMH9EpQRNCjH/4SA883/WGiEnrrm2bFLmeQbwildPda16nbn4buOM/iJ6koU9eEiX2Fn"
    "I6iyrFcVBxJiUt9XoQT2w4yut53OAxlHLCB9i1DuN/QoQarMVJffX2Uus/Qe7q4XnwNp6g"
    "nKiCrJVKzqB4bXkyRecXKlK4Z8UU3NitP+tFZhlvCPQ6GUGpYO7kzofKeNsaO2dFT7p1gj"
    "W3fYoglx+MSeqvdC5Gtj696YMxvj4lNtaeiecLI0bvbGxZ5ZZ+QXpz52PedmvvHx2+O1lY"
    "+PyPKpv+7ur08jIy4hv4HLrcSSfxo4JddCq0tHwHnY5ihWzJiux4IJ5wdyLLIJ5wF7UO8Y"
    "TysPUQTwjxhBB7BPGEoG+IJwQd1xvT8kUEqZQtuU2CwW1kFFSEzRWkOdUJs+7apZpNCyuT"
    "hWZbepgE7De31cNSGPTQTg86m9AfibaSOsrbUChxzKb1AuneC6twnUW4frr39DcVQC7PK5"
    "sTg4SyzRPK6pYZJoElbIsvsIEqOnheUAX0N5G5NM7nZhMGl7FaBl9RG6CGem5IBoZPtXi5"
    "bKWFiiaUC23oRAeLeJBW8IulAfk6yCeZ2FsBLxQG3OvgniR21IUESMUhupycepP8+kNsDa"
    "LzJMGNsc7LAdavY530T5v4/HRPExteIKoC4hu347edAlWuuXw9JyCSla5h0FVGCiCVL++p"
    "lMB2kPY07olrAPdi2ZKS2GbH7Ap5TnkSj4CK7jJockb2Y9RKD92EpQdk0/0yckuviNFt2I"
    "hKEG0g8vkq9BgNyuOf4wrDGlHQsfsJgqEhGBqCofsYFgvB0LuodQiGlscfCMHQEAzdH7+V"
    "3JMYBEPvvL4hGFp5HSdJZuoaJUl9FWOw1h4JPfZwszQlCwEVKJuu0bWwT4+boLsQUA/dOg"
    "xkOQFZ4B/J95lmuw5rugBvdaqGjKBCEbJt8zTkQZ0TLOBmXsc0kQNIczEJFOvTVjZKThSs"
    "FJmtFGDjgTqWid6soo7r8JudMlMeJ5ZFjJQXM84VTBSvAgQUEFBAQPWRigACahe1DgQUEF"
    "BAQAEBpf42EAioHdM3EFDK67hpJvfNp3CPdsVd7e2yRkmdhNfl6a4Lya5nnmsEOm15Klok"
    "rB510okd6Jj6U9MbFNMyAHMtmLFOmeXc0NheCm3Q1E72Ob21tCFpS9dJW9iPpFqb5Gk5QY"
    "U4wg0nJvII77HsuzT2HcR7xlaT3i6WVm8mX/8VokXkGKzCYVA6BqqaUGhAHL49fnf8/ujk"
    "eDEOFiVV3V+uSyM813b57z/nHi8hUZWuMKwmrOKqYXqBmpcwnqK70KRFC2nEpT8gjBJi74"
    "cJ1pk6wnLkEYMQm//JKrjBzHWG6MWkU2RSH7kvDrJMm/2zeA1jly8Clg1YNuBbgGUDrQPL"
    "BiwbsGzAsoFHHlg20DewbKBjQQB1w6R9KyXrq7FKbs8g+fHgoIZBwmqVGiThs5xzPNyst8"
    "y7KpBV0FkOGW+VMsGBeduY9U2+z0y2FLRYoLOSsELLvELzIcv9v3aIgiCXWyn1IZAExqM4"
    "jHgX97XIxS7axJbiWxRU5kIeFeikOG+hgEdaZjQsJ5BSqRPhyBOQMUDG9MwtD2TMLmodyB"
    "h5doJAxgAZI9fOob+TGJAxO69vIGOU1zFckA0Xz24R+i7PMPgU00DgvKyyuBMJFdFde9JD"
    "Zrf5okt9q44lJBLqHUXo7ua15jgXJQHv1/FO7j5p5gbNSq3THbpd4ra917PgjC9AXMS3cV"
    "63L8uWeonrq3ndsv2q5Eaw7dAcd8E4/dMLZEfm+bCK8vBTNYH4AOIDiI8+usCB+NhFrQPx"
    "AcQHEB9AfKjvJAXiY8f0DcSH+jqW0Du8PaNk/c7hMFFd22RvBVH13JedmIF/BtihJhWQSq"
    "VkXlpkc3Te264wXnOgdsS4UW1GPNM1WJ/EXnOvRUkbsD7IvD7ktEZEmUEb6Z0Ic4WC1uXS"
    "OicdLGbAVeq9ck9d1gTsr5tkeAxBbOckzorCeJN5vLGx0UrJaTnQsMwaZr8UW22Wz4wg6F"
    "hmHVsMdZ9qpvPstt70VbUBu79au7/4m7UkcsAmDDajnTrqtAVqqaWWGQ58oo3JFD+bruBK"
    "wwpHSEFSPcg78DyFqLHpLbBbZSoQycP6I/P6M8Ns5TACtmqYccxYM33npUHbMmvbMP0wnb"
    "bAef+vu5vrkvUsLZTXr6lT9B9kmX4PU1NUaJajkVFqMmvuXZ3+mp9Qzy9vzvLa4g2claU5"
    "2tb1x5LxKJ2EyW7n/mM5kV3pAuQ6kbKpMNBo8yGYWM5iyU8/3xK2UzGFQfUx4hdRK72dSg"
    "qAZ8a/SYm9IkDp8OAL1lxXbtBtQ+WRZ9MXJ1BqC9dt3KRKkG0qUj3saq9EqyfdsV7EurYY"
    "DBC2DmHrELbeswBmCFvfRa1D2Lo8rlEIW4ewdSn3QD2cxCBsfef1DWHryutYgrBq6exQiK"
    "uGuGqIq+7JBAZx1buo9azXtJHbUiAK7GEle+jn0q+syCDms7n0EuFXWURBN8swieend+en"
    "H0cypNxZkECvkBlpsqgmoZGhrF6/vfrGIejq9vYHj8H0zOwdxM9IEuROEEbpdofIdNDE9X"
    "SCJp5rowcymZDwAh626XhAAbOUrPBiaYd8pyj5iOIl1h2/75vzzfnFMyklDhrP0cPYtCz2"
    "5n3b9DzX288kK9oPZj7xqJYufEAvUzY4nonH/oEpiiJO+Ifwr/7m6FPsPBIf7YWm+BAlNu"
    "IQRWdLhyiMPRuiJFpliMIo6CGKDjVETOGbnxAH5b9YV7Hm1NT9fduoeQ33b6JunsZm8DuQ"
    "TUA2yb3d6yftAGTTLmq9DtmUmX8b6j0vuxnNS2IhS65okUNevpwTSoX+byWptmRug05zat"
    "ueICa1Kld8LKDMLXUbzhIvgbtf6u4N3v4+ePvDXW3TPApLIQjxaJw5ATJYbFsPcO5dfXte"
    "d4OZMLy//BxaSmSlU2itRlXKQTYOTIuajr/P37cN5xgcTpOaXgLyDsg7aRBeH3knmizWgP"
    "JuH7LcMjX61WflIx6lOhAQoqmnwyoaNOD1omDXBuRnKIVCqSFi1rLPVlNioDGZsC6ETIrM"
    "kP7jP5IVUxfdhftxhH2Ekc3w8yJhMdW5ttY5sflgGuyfJgPVe+CCUQdEexh5ZEZw2Bjr9K"
    "xl4w3CjsH/jtr7h49Y+wFr+InM2WvcffTwjK2AhO1g9DJlm4lvjhPYY+IN+dsXcqmP8BHF"
    "T/yr99EXZt2yn/kBPSy+PuRl+Vsf+N1V8d9jl05DbdemN9NjOnx32Fn10MdnAL8pDb+57I"
    "tNXFpZKeWO2Lw9OKjhzGK1Sp1Z4bOs8RYO1GY+24UIXO/Z2nGbnnMK4Fc7AHKiCpK5SvkA"
    "IFJjF9RMHAZp0DJXaUYUXHoy6zltkDZVdF52I5qWxOHRP0Un24zGWk4LwmCWWceYUmLPRI"
    "niyu+2T4koE7SwNiLX4qkSCQ+GLkJ6T76XYJqVUiEIoWqQjH69r+Y1FmPk8ub6c1I9T3YA"
    "r9E9rxE6iBpCmpYBPCGJ4WaTGBZ67xqwvUraURPY9ICV6hL1X8h46rpPpcRF5vmwirp4iW"
    "o2IS/KYYZ0dPJMrsMKDzr4nUoB7+lZETghtItar3NCKJOJqVVSurSocrxZJ0HgITwNgE7q"
    "q3c37NvD93VoycP35bQkf5aFF89M7ZlHNIiinMpRzomp4EvIgn1yXAPrk+NSqPkjyLG4zc"
    "BvCXMsyrZU93dpLlpkMzy3XCzQc3kMeEpk8zHg21FrJ9HeVcdpR05gFxwgGz5aW9x+zqLA"
    "t4Y7zcGX0fXHi+vPH1As/835cntzPrq7iwo9Vye+ny4ffVwUE+Ob8+n04pIXRdTVN+fi8/"
    "XNLS+I4/0GbayCkzpGQX5kpmyCk4JJAGwNsDUqsDUQK7IjS/9i4o2ST7bSeGkjoPse6H4V"
    "lYOmpdV0gdXcDkV0SjxTnw4E5FD8ZFhFC+FlHWnooFJLTuiaFNhwcUeX1zO5FhuunPZp4T"
    "Nb1V8m2zZzA85fPqgaIBxXVxDdTo6ksDfSmNSu6zJJiYDLpKHLZKuL2d//D4vJbx4="
)
