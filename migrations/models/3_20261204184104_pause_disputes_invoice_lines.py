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
CREATE INDEX IF NOT EXISTS "idx_disputes_payment_3318e5" ON "disputes" ("payment_id");
        ALTER TABLE "invoices" ADD "lines" JSONB;
        ALTER TABLE "subscriptions" ADD "pause_resumes_at" TIMESTAMPTZ;
        ALTER TABLE "subscriptions" ADD "pause_behavior" VARCHAR(32);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "invoices" DROP COLUMN "lines";
        ALTER TABLE "subscriptions" DROP COLUMN "pause_resumes_at";
        ALTER TABLE "subscriptions" DROP COLUMN "pause_behavior";
        DROP TABLE IF EXISTS "disputes";"""


MODELS_STATE = (
    "eJztXWtz2zYW/Sscfdl0xpux5cT2Znd2xg8lVWtbGVvZZtp0OBAJW6wpkiVB25o2/30BPi"
    "Q+QIqkRAmE7pfEAnEh6lwSuLjnAPirN7N1bHpvzx3jZzzvfVD+6llohukfmSsHSg85zrKc"
    "FRA0MYOqyDHUJzwPCtHEIy7SCC1/QKaHaZGOPc01HGLYFi21fNNkhbZGKxrW47LIt4w/fa"
    "wS+xGTKXbphd9+p8WGpeNX7MUfnSf1wcCmnrpZQ2ffHZSrZO4EZV++DK8+BjXZ101UzTb9"
    "mbWs7czJ1LYW1X3f0N8yG3btEVvYRQTriZ/B7jL6xXFReMe0gLg+XtyqvizQ8QPyTQZG7z"
    "8PvqUxDJQI2Qny8Fv2raf/je4wUVtVb0dj9X4wVtVeDQg122LwGxZheP31PWx3iUtQ2mNf"
    "cPnj+d2b45MfAiRsjzy6wcUAtd73wBARFJoG2C/B1lzMoFERyYN+Ra8QY4b5wKctMw7QI9"
    "O38R9NHBEXLD2xfApjcGP4WgC8R3+gPrLMefQIlDhgPLwZ3I/Pbz6zr5t53p9mgN/5eMCu"
    "9IPSeab0Tegvm75g4Zu3aET5ZTj+UWEflV9Ht4OsVxf1xr/22D0hn9iqZb+oSE88rXFpjB"
    "qtufS67+gNvZ62BK+L4vUYo4Tbo7tfej34P+fvyyly+b6O62e8TNHqol9n6FU1sfVIpvTj"
    "Uf+sxLH/O78LulRaK+Ot2+hSP7z2PYWv4+IH47UOwkuLtjDOjV3bg/ikCsLZ1yEB8EkWXx"
    "qWqFPkTesgnLTZDMarw4OtQXzyrgLEJ+8KIWaX0hB7ms3ayAH80/3olg/w0iI7GBgaUf5W"
    "TMMjbXUXiThs4hsmMSzvLfu+XcRgDKHUOBDD/Obm/GvWA5fXo4tsB88auMi4w8XP9lOjcT"
    "ptuYFxOnrKRenOuzss56MxE3lE9b1Gfs7agqdF8zSb5z48JSZfrGCCtKcX5Opq7ordt4vq"
    "5i/N+rNsCbLQY+Akhia7z3ju7+sGGVjE5WcGllcPSrMDrJ6KaUUDQ4pgP1IEtqb5rtuod8"
    "qYbme6uNV4rJuzxSo5Aof+cM1wkFlvQpMwknBO08a0kcbPFA92XzWAThnJB/TmZzb25A+s"
    "EdXQa81u0lYww9n4DMfQ8cyxCba0OaMd6rwCHNNGL4Jg8W76Rei/f1/hTaC1Cl+F4Fpmlk"
    "/vwMGqi+kP9tjTXQd2rjEAXwd4/Ewj6GawJ00B9EqgN3vMZX++WxhhfaLZ9RiGhImEJMNx"
    "vwLEx/1CiNmlNMQ6JsjgBOTFAczSYq3gRbBHeRtRiiB5m0vfI/QVcXucrM3i2kFZzkaLak"
    "G+Zj/yNSDpKO6f5U3XgKRDNq9XkXREs4JGU4k1IluRSfFW5hCm8YzZuJCH+cK2TYysAnYu"
    "YZYBekLt2nqXFiXbHbMuRqPr1HtzMRxnMP5yczG4e3MUQE8rGSQoHt6O+RPlaECq26PlrY"
    "EWFacTy49dqdxG/QGMYw7+Ftrfc0trFKqkDMHHIvsYz7iZiuKoZGHQUq5tdxHJcf+wUiLo"
    "sCQTdJiNSLYq5hXsPckGfFWUprRWScCX05rOMEFshl0n15a0EYMqZF8rDVUY/QDVQfMZG+"
    "kp3FNbVxtNgaq0JeOb0sLUSMcm5sbopTOjhBVMjFZMjGpkohNuMTzHJzwt90Vk+fHnO2wW"
    "aUiiJOhV2Er3Hvzv8QMXl/Y42RPDerYNbV2MhmErHUyMVQIp6iLXBOlz2IqkD1J6GNkMVD"
    "dBW5IC5vmTReNrwnWfaEqmd3AbpOI99rzwfgu5xbjKQRWKUfXC2tWoxt65EtVXiP2ErX94"
    "imYiY+Ypbyz8jF2FTHF45QcFWfqBYtPZvxKtbDlQXqbYYuXKZE7/tmdvexnAN93+N+ubdW"
    "e/eApyseL4LoVWQYqO5gp6IGFzcwW/OoaL/82MCGuA/mO44beEhi5+YOs1aMvzFzQPbhqY"
    "VWBWgWMDZhW8Lg6z+gcx6iQUourSsamblwkuYoV6Q1fGbJNj2G5zxesMVYmojTZHe5pJLQ"
    "V9yggWkax+dg3P8xuNBClDCQeC7nb8HOYqiOC9Bl5OW8q32lEmL8PWCvvk5XrjYtpKPh5o"
    "Y8tYBdHIxywFJ42VIDCK01dJrgQE8pDGgTROxyb0kMbZR6+DQF4cFQgI5EEgL1bI291ODA"
    "Tye+9vEMjL72OCiM/RvpSFJbGFfLn6ze+VgGa2b3FeoAvjcWgRPsJLmwzCRiXpmnBx/SO7"
    "iX/+q98/Pj7tHx6fnL1/d3r6/uzwjNYN7jh/6bQsfhl+YpFIygX50CTY8s/SamXckjYy7g"
    "RS5eEufrbzO9ogr952cUsL+bKZm6f58LOh06cRq7qPuanjFTRQ3hyGYpGHYo2+N4+42UoS"
    "nq1871grOYOdK0HEWjS4GSFILEWvh2naCsQ1HGorB3Ee34+2i41H62c8D1Ae0ltBlsZLbt"
    "VeFSEmrjnVOi120cuC4Mo8VxSAcN0Xu3RHu+274eW4x+0TNgBucnesLnYEK8HNdIQF6O6G"
    "kh0uN2e9w5rtpunOwkoHZTRtcsNXN6jfAmP7W3oPa7ax7O/A4grI4oq7P7kMyo7MuUt1MF"
    "5nL2ax0W0lChZ3+3ep5vTxfr51DxDL2gHYVY4RK8ltDyx/lovgtpznzoNNL6qOa7Pxx6s5"
    "DvaGt+rnu9EnGnLdf1AS7XyzLkc3n68H48HVB0WzZ85iy4Pdn6VH78+h38jh64v3N0nawG"
    "7CzTcy6Zb+TJDpeueSiqatNdOXpwwhcSyyjxedepN3OWMLnhbN04Ko2+P9ZXgJlOXWMyVp"
    "k8QuN6Bulz4v0q3oAnTOqzsoULfvo9dB3S5Ojg7U7aBuh9ga1O3gb1C3g49B3b57dbvlzy"
    "Y8lUzJBvALC/nkiW3sUgUi9nZF7OFaC6aR5kTVK9doxHbbW6dx2BbIO1mkEaHoIN7csQL8"
    "sSHgvxb+Ljv1xGK318QJKWvwRDNPEJvwNGRl8C9MAPNmmE9ptEkD+YiZUH2X44Axfi2An2"
    "8tQ1RTNgMYfB2ngv+cEmExAbge3X6Kq2flCQWLBSzC/muUTixrQ7qjnFrJLiY3w2/mg+IW"
    "wANVPOBg1wiO/0Fu7aRE1hbyEiLnJSJvYat2VjltCV4W2cumYfFO9SmWNi4MQNe4hq5x1+"
    "s5BcsBbmZBZ2psr4csxxRWy5at7NzN6kMxH9sNLT8sepQ3AHHNk5+EfH5Xosx5h1NI0/tQ"
    "br9cX5ct9ITD3HZ52FaMFke/mQCyWL+Z9BnoN0G/CfrNjin5QL+5j14H/aY4+T3Qb4J+U8"
    "hItIOdGOg3997foN+U38eg34TdiVuGeLfCKw3T6K6Z+C1pDBKgNf3w4NPf3NQPS2PwQ8Pd"
    "usP9a9dyR3Ebjbwi2LAOu6jLKUBP3lMO5GL1YcYMZIf1ZYeaaQRSQUyn+JwYqOQBzxrKgP"
    "429G2RRnOGKVz6ejpPXhvghmppSAqGR9R1tpsvaQKknrU2nW8EP98akK+CfKzXbwQ81xhw"
    "r4L7AzJM38UUTB4BUgx51k6+Tn7zy0Z1rDEpaW2ss3aA9Wqs4+dzhj0PPXLgLo7hOaYyIL"
    "71OH7Xgl+x+vLN6H3jka6m6CplBZCKp/IVEtgWRL7Gck/KNcFN7G4pJbbpd3YNVa9ueI5P"
    "eCte6qh6r8JWOpgmLJT1pnc8Z2npNTG6CxqRCaItKJ9vgoxRr1j/HFU4qKCCjtJPIIYGMT"
    "SIobsoiwUx9D56HcTQ4uQDQQwNYuju5K3E7sRADL33/gYxtPQ+DtxSIyiJ68uowdq4Enri"
    "It5mPMXoLgxkoGzaRtdEHnlXB92FgXzoVmEgiwnIHP+IXx11ZluEc5zo/QyZZqFcNmUokU"
    "L2uH96stDEsg9lKtj7m/Pr63ywzLCZY8ThZlZjGtsBpBlNAkHatFGMkjGFKEXkKAXYeKCO"
    "RaI3y6jjKvxmq8yUW3CiYnjhoJSJcuE0xfKHDwionCVQEaKMpUBA7aPXgYACAgoIKCCg5J"
    "8GAgG1Z/4GAkp6Hz8Z9SiSuP72CKhwVtzW3C4dlJxVCEnOCgOSs9ziaNfWfa3p6Tc8Y/mo"
    "k1biQMvQnoK/a+CdtAGYK8GMNEIj55rB9tJoi6F2PM/pbKQNm7a0vWkL/ZFEbbJ5WsZQIo"
    "5wyxsTuZg9sfS+ghPf3Gfe4YnFTzvfWr6e/OikwnN/lI0plw8+u7QKdwor9zUofAfKmpDo"
    "hegfvTt9d3Z88m7xHixKyh7/8FHPkX+7IaiihWYchmq5BK2YokqsdQOOCjgq4Kg6xlYAR7"
    "WPXgeOSpxJM3BUwFGJFdx2txMDjmrv/Q0clfQ+hhMNYKfwHULfZtJZxMNQpFqlRuM2j7cL"
    "e1keObaQL3fc3laZ9XHOWwLeq/GON6uqlwZNW20yHSrEgpHNrsRxlkcnr7kQp/pp1mLiun"
    "IhTvq5KtjCcTc0R+oIdw7ZkT3ivZjySJ6TDsQHEB9AfHQxBQ7Exz56HYgPID6A+ADiQ/4k"
    "KRAfe+ZvID7k97GA2WGZjsoOVhY1XZ2zrTPDZFs08qePLGIQDqlUSOYlTbZH5x21hfEGtM"
    "R5lo6oDnaN4PhM5NbPWhS0AeODyONDxmuYt5Szlt8xd3EneF0srzPSwaQBXKnfS+fURU3A"
    "/LrOkrwAxGZJ4rQpvG8iv2/03Wjk5KQdeFhkD9Nfiswmw2fKEHwsso+j483XOiq6rA2Y/V"
    "Wa/UX3rKYPXWvmjiptgVsqucVBvofVCZ6iZ8Pm7EFbkgjJWcoHeQuZpwA12r35M+w1iC14"
    "9jD+iDz+7HwPbcFyu61I93azibaYyG7oAOZi9V7uYOY1T8Dd5KHMu+imyg8JNgierQlQUr"
    "I4pM21lZrZBVTbkoIGuK2Qg8bYVpOEqgvPgi4UdKGgC+2YQhB0ofvoddCFipN7AF0o6EKF"
    "DOg72ImBLnTv/Q26UOl9LIBuUbg4FISLIFwE4WJHOjAQLu6j19NZ01ppS44pUGGlVJiX2d"
    "9gTTosu11CJxFeSYlxHrMULXZ5fn95fjXY1Z4Wv+DJ1LafBmwy1uOQGKnrB2UExktYM5zX"
    "AXkB5AWQF11MYwN5sY9er0FehHm7RhRG0hSIjCoJggCeGkDH9eVbqnvUr3KSHq1VfEpNP3"
    "eaHnIM9Rm7HjegLUY5YyafOnXzmwwCI7f3jJxoQ3V3h2ZO+h7NTRtx/PzT/ei2SO+9MMk6"
    "19CI8rdiGl4X97UucSsDI+XRuMd6c3P+NduZXV6PLrKuYg1c1NhveWD5s1w2ZNe7a/QcbO"
    "kMwXoO6H0e3F4Nbz99UCL7b9bnu9Hl4P4+LHRtDXtesnxwtSjG+jfr4/nwmhWxXXrZ5+Gn"
    "29EdKzAeLdsNu5ndn1yHCMEzh3AcWrwxfMJke5TMYVuRwIYpGRN5RMWuy1sDNMavBZimrW"
    "SIsMqGm8HXcXm/tBhtrke3n+Lq2c4qjTu26M/2Gy4zTpkCBSL00L/oeEOqspHHCxsB33fA"
    "9+u4HDwtrKdzVNxuKKJz7BratMchh6IrB2W0EFrWEYYOKozkuKlJTgwXPejiZiY3EsMV0z"
    "4Ncmbr5stEm2ZuIfnLXqoaCEfVJUT36PCwyjTv8LB4nseuZaRitkW4Z3IUp0wSJpAyqZky"
    "2elg9v3/6+rhNA=="
)
