from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
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
        DROP TABLE IF EXISTS "subscription_revisions";"""


MODELS_STATE = (
    "eJztXWlz4ziS/SsIfRlXhNrrkl0ub83GRtguVY2nfVTYru2OaXfQEAlZHPNQk6Bdip7+7w"
    "vwkHiANEldIJRfussgEqRe4kjkSyT+7NmuQSx//3Rq/kxmvU/oz56DbcL+kXvSRz08nS7K"
    "eQHFIyusiqem9kxmYSEe+dTDOmXlY2z5hBUZxNc9c0pN12GlTmBZvNDVWUXTeVoUBY75R0"
    "A06j4ROiEee/Db76zYdAzyg/jJn9NnbWwSy8h8rGnwd4flGp1Nw7Lv3y8+fwlr8teNNN21"
    "AttZ1J7O6MR15tWDwDT2uQx/9kQc4mFKjNTP4F8Z/+KkKPpiVkC9gMw/1VgUGGSMA4uD0f"
    "ufceDoHAMUIzvCPtnnb/34v/EXpmpr2vXNvXY3vNe0XgMIddfh8JsO5Xj9+VfU7gKXsLTH"
    "X3D+j9PbvcPjdyESrk+fvPBhiFrvr1AQUxyJhtgvwNY9wqHRMC2C/pk9oaZNxMBnJXMKMG"
    "LR/eQfbRSRFCw0seiFCbgJfGsAvMd+oHHjWLO4C1Qo4P7ianh3f3r1jb/O9v0/rBC/0/sh"
    "fzIIS2e50r1IXy4bYNHImzeCfrm4/wfif6J/3VwP81qd17v/V49/Ew6oqznuq4aNVG9NSh"
    "PUWM2F1oOp0VLrWUnQuixaTzBKqT3++oXWw/8X9H0+wZ5Y10n9nJYZWl3Uq41/aBZxnuiE"
    "/fl+cFKh2P87vQ2nVFYrp63r+NEgevZXBt+pR8bmjyYILyTWhXFh7docxMd1EM4PhxTAx3"
    "l8mVmiTbA/aYJwWmY1GL9tHmwM4uOjGhAfH5VCzB9lIfZ1l7dRAPifdzfXYoAXEvnFwNQp"
    "+g+yTJ+ua7pI2WGjwLSo6fj7/H3bsME4Qpl1IIF57+r017wGzi9vzvITPG/gLKcOj7y4z6"
    "3W6azkCtbpuJfLMp13d1kuWmMW9qkW+K30nJcFTcumab7PHT+nNl+8YIT151fsGVrhiTtw"
    "y+oWH9kDO1+CHfwUKomjyb8z2fsHhkmHDvXEnoHF036ld4DX0wiraBJwEeyGi8DV9cDzWs"
    "1OOdHNbBc3ao91c7dYx0cwZT9cN6fYarahSQkpuKdZx7aR2c8MD/5dDYDOCKkH9Op3Nu7o"
    "30Snmmk02t1kpWCHs/IdjmkQe+pS4ugzTjs0GQIC0VYDQTJ7NzsQBh8+1BgJrFbpUAif5X"
    "b57AumRPMI+8E+791NYBcKA/BNgCcvzIJuB3taFECvBXq7bq56/17DChtQ3W3GMKREFCQZ"
    "Dgc1ID4clELMH2UhNgjFpsAgLzdgFhJLGS+SdeVNWCmS+G3O3WAaglPw2cRP+lX+Gj2sU8"
    "9T0ztFd+EigyKpT+h1ginCyDB9VuJQRPEz8ZE7HqM9jNgGRGdrEfvqPnI9hB2E7bCW6SDX"
    "YY3wnT+zzd712TMDjVmdifuKLNd52u/ltLzhV4PnqRueJwhOKV9p1HU8QXCKalqvE5wS72"
    "9abYqWsNFlpvfXshuyzBfC14UizGeuaxHslPCMKbEc0CMmt66xNC/Z7Jp1dnNzmRk3Zxf3"
    "OYy/X50Nb/feh9CzSiYNiy+u78Vb/nhBajqjFaWB4JVnEiuuXRkvTfMFTCAO+pZa3zNHb2"
    "WqZARBxzLreKNhs5LpcQMGSbyZ19jevojyF8vFtIRqzsrl0B5zwe7hXQHv55vvZ5dD9O12"
    "eH5xdxE7ueYDJXyYtUVuh6eXOawjN4kY6jPz6cIpwTorl4OafXv3gGafy/73038PBoeHHw"
    "cHh8cnH44+fvxwcnDC6oYfXHz0scpivPjKbb9Mty8ag4ljqsl0kpZRb0o5rOMiL/eQFxzk"
    "QfNQirSMgizE6uPwE8A009Fs16ETQUhF6VQiFlZoShm8P/p4dHJ4fDSfSeYlVRNIcbLgWv"
    "QID3LgX9IEY4EkAFwEmJvWfggUsUVb81J8i4Kt4G01bxx0BNwIHW0kWOveOrmQEoSdkcw7"
    "oxdsify1lY7EucwGvYiJC7ezTkSDWEToPayEOiUFLts30JaF7Q986tohJV3k+5Nn/UrGP6"
    "4FpzOAIweOvItsKXDku6h14MjlcUkDRw4cOewagSMHfQNHDjquo2NiC88llFslc4E1UVrb"
    "s0gOBwe1jn0cVJz7OMhbJBCDsDD46vBZrFaFwVdgtGxCMd9hFyEuP1mTlpHjYDB/rTIHg+"
    "MfoE3xzOYrPYN74hpaqy1QnbZUHClr2BqBJ1oiT3RKLaY/Dagoc9tZLPnl51tilcU5xE7Q"
    "z1Er3ev4fyUdLintCbwnpvPimvqyGF1ErXTQMVYLpHiKXBKkb1Erinak7DKyGqiuwrYUBc"
    "wPRvPGl4TrLtWUqmMwDZfmkRfTXy1ut3GTquIX+PgpdhAtidp33tLwpd5U1hmsNkFg3xHf"
    "N0vOreeq9OvQ2Zof1a59lD2uj6j7TJy/+Ui3sGn7aM9h/cJDdEKiJ+/4CfE+ch2doDhnah"
    "+9TogTnhwfzdi/XVt0Xn2l7T84D86t++oj7BE0DTwGLT/8jmcIj2nU3AyRH1PTI3/nQpQ3"
    "wP5jetFbIkGPjHkmUNby7BXP4KQ7sPjA527NbQos/i5qvQ6L/29qNnFexdWVY+5Xn4Bqbi"
    "s0W7pyYqtcw7bLSyyzVKWsNtYcm2lEgdzlnTYjBOlJ3+67pu8HrVaCjKCCC0F3J34BSxpa"
    "8H4LLWcl1cujrZKW4dKOXdJys3UxK6Ue57iyBOmSnMdIGDGBGytFlpW7r9K8HBzGADcOuH"
    "E6tqEHN84uah0OY8gTcQSHMeAwhlwmb3cnMTiMsfP6hsMY6uuYYhoIIl+qzJJEQj1f/epv"
    "4Yiy4QnskTcz6AkQXmOqoHVCvDvp86SDfp3585jZ5jfLnreQUM+buXqaj7yYBuuNRDMC0i"
    "I3lkAclmKZl2KdjZsn0u7UkkhWvTG2Fp/B1iNB5DqguppAkOTYQzNMs1IQXCOgtgoQF/H9"
    "4nrEfHJ+JrMQ5Qv2KdjRRc6txidw5MS1ELXOij38Oie4cv2KARCdMeSPbtm0fXtxft8Tzg"
    "krADedia2LE8Gb4OYmwhJ0t0PJXiyu/b0luutl6c7SSv0qmjZ9lbAX1l8DY/tb9nZ0fmXx"
    "78DiSsjiZtRU11rLCCm40VxZZEd6Tm544/cyt3zLje5arGB3Sppnw88IKYj06vf0yU3RE+"
    "xPmnlOsnIAdg2wq3zbQyewCxbchv3cRbDZQ23quXz98Ruug72La+3b7c1XZnLdfUKpdh6c"
    "85urb5fD++HnT0h37ek8vcb2b4dg38evHBbw9eW5dNIycE91+6Q53Yo/k2S73jmnouXq7e"
    "LLM4LgOJZZx/NJvc1YzsmCpmXTtCTR7UkuI5EDZZHmqMJtksqoBNHtyvtFumVdQJzz2xMU"
    "RLfvotYhul0eHx1Et0N0O9jWEN0O+obodtAxRLdvP7rdCeyRKEqm4rKBuYR64YnryFIFQe"
    "zrDWKPzlrwGGmBVf3mGY1ETpkrnTd8SCNGcYqFVwO/DX8iCPgvhb/Hb9hx+Oe1UUJGGjTR"
    "ThPUpaIYsir45yKA+RKYa4bp62E/bnNUr7QJ0Ek7nUzYDoBtrmK2SAs8waC4Jz9K1CGWVs"
    "HSrNqVDX+9z2zICtEh803Z5c3116R6PmSk5ACHQ/n/Wrl4q9pQ7iq3tXh8M7c7tHOzl7YA"
    "GqijgSnxzPD6L+w1dhTlZcFXJLOvKNYWcRp7+rOSoGWZtWyZjuhWr/Jw07kAxJq2jzXFlB"
    "J7SjVdbGGX7zDzcsqY1YP3Rx+PTg6Pj+bW9LykyoguGswOM4bnl1XGeDWdwMragKlM5qls"
    "jE0r8Ah7Tk32g4xy7ZeOr6omWg01ydS96sG29VwBkvFLq0kWkNmjNENWIAqZGKqyBmznZL"
    "uc3XZFR9vLuvIKIG54g6WU/fdNlAVjOIM0+w50/f3ysiqJAFxKu82LHK+Yprye4GRA9KBf"
    "dS7A5lVq39R4F3qw0JlpsX3ZEwrbR3uPNvW0h2BwMDh+fPcJvU4wRdhBj1EwFv+mRxRuIf"
    "x+eJXixH1FJvVRdO1neB8ifmJz6BNXs+gCx029Fk43yLOI9hGcbtidOHc43bCLWofTDfIw"
    "LXC6AU43SGlLd3ASg9MNO69vON2gvI75hXEWnoU7zSbGSV5OwSjxtVgoi319E7SzUuqdKn"
    "l/cFAnLdTBQXleKP4sC/XY9ezAwk1wToko2KFXn3tLxrNRSgE8Zw+meGa52NAaZrAsk99g"
    "OrrEys/yIB2dU16wFZC2yhAKb1AT4fs7Bn6DzEUpJ5uPn+KNxpIcznfe0vBlZZnN1edxEt"
    "ZLwOSkCLFyLifNvUGOJ2BBgAXpmD8cWJBd1DqwIPL4GIAFARYEPKbAgoC+gQUBHdcb0/L5"
    "MVXK8QQ3GG87OYtOmHXXLkFOWliZs3Pb0sM4YL+5rR4WwqCHdnqI77hdSh3lbSh03A1uWt"
    "82mbjiJHXpbyqAXJ4NJycGaXCap8HRLTNMXUPYFl9gA1V08LygCuhvIt9KfArdJgwuY7m8"
    "Q6I2QA313JAMDJ9qy1xJX9EEpB5qdDF9K/jF0oB8HeST/HGtgBcKA+51cE/SUehCAqQi9C"
    "8np94kv/rU0gbReWqjxljn5QDrt7FO+qdNfB6T1MSGF4iqgPjG7fhtJ26Ray5fTd6WZKVr"
    "GHSVkQJI5cvWIiWwa0jWYi7urVwS3NQNmEpimx2zS2Rn4UePAirKwNgksvdz1EoH3YSlYb"
    "3ZW9G5W3pJjG7DRlSCaAORz1ehx6hXHv8cV+jXiIKO3U8QDA3B0BAM3cWwWAiG3kWtQzC0"
    "PP5ACIaGYOju+K3knsQgGHrn9Q3B0MrrOFRLA6Mkqa9iDNbKI6FHHhZdDlOO7lxABcpm3e"
    "ha2KdHTdCdC6iHbh0GspyALPCP5MdUs12HNV2A987GllUaLpsRVChC9nDw8XgeE8v/qIqC"
    "vbs6vbwsGsscmxnBAm7mbUwTOYA0F5NAsT5pZaPkRMFKkdlKATYeqGOZ6M0q6rgOv7lWZs"
    "rjxLKIkfJixrmCieJVgIACAgoIqC5SEUBA7aLWgYACAgoIKCCg1N8GAgG1Y/oGAkp5HT+b"
    "zSiSpP4GUylPk43z+o2SkxomyUmpQXJSOBztuUag05anokXC6lEna7EDHVN/bnrvQ1oGYK"
    "4FM9Yps5wbGtsLoQ2a2sk+p7OWNiRtWXfSFvYjqdYmeVpOUCGOcMOJiTzCeyz7Lo19B/Fe"
    "sNWkt4ul1ZvJV3/xSRE5TRcPg9IxUNWEQgNi8P7o49HJ4fHRfBzMS6q6f9TVC+Tftggq13"
    "b57z/nHi8hUZWu0K8mrOKqYXqBpreCz6URl/6EMEqIvZ/GWOcXd/Ny5BGDEJv/ifn13FPX"
    "6aNXk07Cu7ndVwdZps3+WXEP+BpeBCwbsGzAtwDLBloHlg1YNmDZgGUDjzywbKBvYNlAx4"
    "IA6oZJ+5ZK1ldjldyeQfKh1mWlHyouK/1QvCk22qy3zLsqkFXQWQ4Zb5UywYF525j1TX5M"
    "TbYUtFigs5KwQsu8QvMhy/2/doiCIJdbKfUhkATGoziMeBf3tcjFLtrEluJbFFTmQh4V6K"
    "Q4b6GAR1pkNCwnkFKpE+HIE5AxQMZ0zC0PZMwuah3IGHl2gkDGABkj186hu5MYkDE7r28g"
    "Y5TXMVyQDRfPbhH6dZ5h8CmmgcB5WWVxJxIqorvypIfMbvNFl/pWHUtIJNQ7irC+m9ea41"
    "yUBLzfxju5+6SZGzQrtUp36HaJ2/Zez4IzvgBxEd/Ged2+LVrqJK5v5nXL9quSG8G2Q3Pc"
    "BaP0Ty+QHZnn/SrKw0/VBOIDiA8gPrroAgfiYxe1DsQHEB9AfADxob6TFIiPHdM3EB/q61"
    "hC7/D2jJLVO4fDRHVtk70VRNVzX67FDPwjwA41qYBUKiXz0iKbo/PerwvjFQdqR4wb1abE"
    "M12D9UnsNfdalLQB64PM60NOa0SUGbSR3okwVyhoXS6tc9LBYgZcpd4r99RlTcD+ukmGxx"
    "DEdk7irCiMN5nHGxsbrZSclgMNy6xh9kux1Wb5zAiCjmXWscVQ96lmOi9u601fVRuw+6u1"
    "+4u/WUsiB2zCYDPaqaNOW6CWWmqZ4sAn2ohM8IvpCq40rHCEFCTVg3wNnqcQNTa9BXarTA"
    "UieVh/ZF5/ppitHEbAVg0zjhlrpu+8NGhbZm0bph+m0xY47/95d3Ndsp6lhfL6NXWK/oMs"
    "0+9gaooKzXI0MkpNZs29q9Nf8xPq+eXNWV5bvIGzsjRH27r+WDIeZS1hstu5/1hOZJe6AL"
    "lOpGwqDDTafAgmlrNY8svPt4TtVExhUH2M+EXUSmenkgLgmfFvUmIvCVA6PPiCNbcuN+i2"
    "ofLIi+mLEyi1hes2blIlyDYVqR52tTei1ZPuWC9iXZsPBghbh7B1CFvvWAAzhK3votYhbF"
    "0e1yiErUPYupR7oA5OYhC2vvP6hrB15XUsQVi1dHYoxFVDXDXEVXdkAoO46l3UetZr2sht"
    "KRAF9rCSPfRz6VeWZBDz2Vw6ifCbLKKgm2WYxPPTu/PTz0MZUu7MSaA3yIw0WVST0MhQVm"
    "/fXn3jEHR1e/uTx2B6YfYO4mckCXLHCKN0u31kOmjsejpBY8+10SMZj0l4AQ/bdDyigFlK"
    "VnixtEN+UJR8RPES6zW/78F5cH7xTEqJg0Yz9DgyLYu9ed82Pc/19jPJivaDqU88qqULH9"
    "HrhA2OF+Kxf2CKoogT/iH8qx8cfYKdJ+KjvdAU76PERuyj6GxpH4WxZ32URKv0URgF3UfR"
    "oYaIKXz3d8RB+S/WVawZNXV/3zZqXsP9m6ibp7Hp/Q5kE5BNcm/3ukk7ANm0i1qvQzZl5t"
    "+Ges/LbkbzkljIkita5JCXL+eEUqH/W0mqLZnbYK05tW1PEJNalSs+FlDmlroNZ4mXwN0v"
    "dfcGb38XvP3hrrZpHoWFEIR4NM6cABkstq0HOPeuvj2vu8FUGN5ffg4tJbLUKbRWoyrlIB"
    "sFpkVNx9/n79uGcwwOp0lNLwF5B+SdNAivjrwTTRYrQHm3D1lumRr97rPyIY9S7QkI0dTT"
    "fhUNGvB6UbBrA/IzlEKhVB8xa9lnqykx0IiMWRdCJkVmSP/xH8mKqYvuwv04wj7CyGb4eZ"
    "GwmOpcWeuc2Hw0DfZPk4HqPXLBqAOiPYw8MiU4bIx1etay8Q5hx+B/R+39zUes/YA1/Exm"
    "7DXuPnp8wVZAwnYwep2wzcSD4wT2iHh9/va5XOojfETxM//qffSNWbfsZ35Cj/OvD3lZ/t"
    "ZHfndV/PfIpZNQ27XpzfSYDt8ddlY99PEZwG9Kw28u+mITl1ZWSrkjNu8PDmo4s1itUmdW"
    "+CxrvIUDtZnPdi4C13u2dtym55wC+NUOgJyogmSuUj4AiNTYBTUTh0EatMxVmhEFl57Mek"
    "4bpE0VnZfdiKYlcXh0T9HJNqOxltOCMJhl1jGmlNhTUaK48rvtUyLKBC2sjMi1eKpEwoOh"
    "i5Dekx8lmGalVAhCqBokw1/vq3mN+Ri5vLn+mlTPkx3Aa6yf1wgdRA0hTcsAnpDEcLNJDA"
    "u9dwXYXiXtqAlsesBKdYn6L2Q0cd3nUuIi87xfRV28RjWbkBflMEM6Onkm136FBx38TqWA"
    "d/SsCJwQ2kWt1zkhlMnE1CopXVpUOd5sLUHgITwNgE7qq3c37PvBSR1acnBSTkvyZ1l48d"
    "TUXnhEgyjKqRzlnJgKvoQs2MdHNbA+PiqFmj+CHIvbDPyWMMeibEt1d5fmokU2xTPLxQI9"
    "l8eAp0Q2HwO+HbWuJdq76jjt0AnsggNkw0dri9vPaRT41nCn2fs2vP58cf31E4rlH5xvtz"
    "fnw7u7qNBzdeL76fLh53kxMR6cL6cXl7wooq4enIuv1ze3vCCO9+u1sQqO6xgF+ZGZsgmO"
    "CyYBsDXA1qjA1kCsyI4s/fOJN0o+2UrjpY2A7jug+2VUDpqWVtMFVnM7FNEp8Ux90hOQQ/"
    "GTfhUthBd1pKGDSi05oWtSYMPFHV1ez+RKbLhy2qeFz2xZf5ls28wNOH/5oGqAcFxdQXTX"
    "ciSFvZHGpHZdl0lKBFwmDV0mW13M/vp/qpWKnA=="
)
