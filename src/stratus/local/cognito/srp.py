"""Cognito's SRP-6a, server side: the password verifier and the PASSWORD_VERIFIER check.

USER_SRP_AUTH never sends the password: the client sends SRP_A, Cognito answers SALT, SRP_B
and an opaque SECRET_BLOCK, and the client proves it knows the password with
PASSWORD_CLAIM_SIGNATURE = Base64(HMAC-SHA256(K, poolName | USER_ID_FOR_SRP | secretBlock
| TIMESTAMP)), K being the HKDF ("Caldera Derived Key") of the shared SRP secret S.
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html
(USER_SRP_AUTH; the numbers are the 3072-bit group of RFC 5054 with g = 2, as Amplify's and
amazon-cognito-identity-js's AuthenticationHelper and pycognito's `aws_srp` use them).

Written by hand, on purpose: the `srp` package (pysrp) implements RFC 5054's own proof
(M = H(H(N) xor H(g), H(I), s, A, B, K)), not Cognito's HKDF + HMAC claim, and exposes no S
to build it from; pycognito's `aws_srp` is the client half only. The server half is three
modular powers, checked in tests against pycognito's and Amplify's clients.

The verifier v = g^x mod N with x = H(salt | H(poolName | username | ":" | password)) is kept
on moto's user object: `install()` turns `CognitoIdpUser.password` into a property whose
setter computes a fresh salt and verifier, so every way moto sets a password (SignUp,
AdminCreateUser, AdminSetUserPassword, ChangePassword, ConfirmForgotPassword, the
NEW_PASSWORD_REQUIRED answer) stores one. A user restored from state saved before this
existed, or whose password was set by a journal replayed at start, has none; `verifier_of`
derives it from moto's stored password the first time it is needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from stratus.local.core import determinism

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E"
    "3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF"
    "5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D3"
    "9A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08"
    "CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF69558171839"
    "95497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DB"
    "EF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA"
    "06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB31"
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
INFO = b"Caldera Derived Key\x01"
# Cognito's TIMESTAMP: "ddd MMM d HH:mm:ss UTC yyyy" (day of month without a leading zero),
# as the clients format it ("Tue Nov 3 09:05:01 UTC 2026").
TIMESTAMP = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"([1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d UTC \d{4}$"
)


def _hash_hex(hex_string: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_string)).hexdigest()


def pad_hex(value: int | str) -> str:
    """The clients' padHex: even length, and a leading 00 where the top bit is set (a
    positive big-endian number), so both sides hash the same bytes."""
    text = f"{value:x}" if isinstance(value, int) else value
    if len(text) % 2 == 1:
        return "0" + text
    if text[0] in "89ABCDEFabcdef":
        return "00" + text
    return text


K = int(_hash_hex("00" + N_HEX + "0" + f"{G:x}"), 16)  # k = H(pad(N) | pad(g)), as the clients


def pool_name(pool_id: str) -> str:
    """'us-east-1_AbC123' -> 'AbC123': the part of the pool id the clients hash."""
    return pool_id.split("_", 1)[1] if "_" in pool_id else pool_id


def _x(pool_id: str, username: str, password: str, salt_hex: str) -> int:
    inner = hashlib.sha256(f"{pool_name(pool_id)}{username}:{password}".encode()).hexdigest()
    return int(_hash_hex(pad_hex(salt_hex) + inner), 16)


@dataclass(frozen=True)
class Verifier:
    """salt (hex, no leading zeros: the clients parse it as a number) and v = g^x mod N."""

    salt: str
    v: int


def make_verifier(pool_id: str, username: str, password: str) -> Verifier:
    salt = f"{secrets.randbits(128) | (1 << 127):x}"  # 128 bits, top bit set: canonical hex
    return Verifier(salt, pow(G, _x(pool_id, username, password, salt), N))


@dataclass(frozen=True)
class ServerChallenge:
    """One PASSWORD_VERIFIER exchange: the server's secret b and what was sent."""

    a: int  # the client's SRP_A
    b: int
    big_b: int
    verifier: Verifier

    @property
    def srp_b(self) -> str:
        return f"{self.big_b:x}"


def start(srp_a_hex: str, verifier: Verifier) -> ServerChallenge | None:
    """B = k*v + g^b mod N for a client's A; None when A is not a valid public value."""
    try:
        a = int(srp_a_hex, 16)
    except ValueError:
        return None
    if a % N == 0:  # SRP-6a: the server must abort when A mod N is 0
        return None
    while True:
        b = secrets.randbits(256)
        big_b = (K * verifier.v + pow(G, b, N)) % N
        if big_b % N and _u(a, big_b):
            return ServerChallenge(a, b, big_b, verifier)


def _u(a: int, big_b: int) -> int:
    return int(_hash_hex(pad_hex(a) + pad_hex(big_b)), 16)


def session_key(challenge: ServerChallenge) -> bytes:
    """K = HKDF(ikm = pad(S), salt = pad(u)), S = (A * v^u)^b mod N."""
    u = _u(challenge.a, challenge.big_b)
    s = pow(challenge.a * pow(challenge.verifier.v, u, N), challenge.b, N)
    prk = hmac.new(bytes.fromhex(pad_hex(f"{u:x}")), bytes.fromhex(pad_hex(s)), "sha256").digest()
    return hmac.new(prk, INFO, hashlib.sha256).digest()[:16]


def signature_ok(
    challenge: ServerChallenge,
    *,
    pool_id: str,
    user_id_for_srp: str,
    secret_block: str,
    timestamp: str,
    signature: str,
) -> bool:
    """Whether PASSWORD_CLAIM_SIGNATURE proves the password (constant-time compare)."""
    if not TIMESTAMP.match(timestamp):
        return False
    try:
        block = base64.b64decode(secret_block, validate=True)
        claimed = base64.b64decode(signature, validate=True)
    except ValueError:
        return False
    message = pool_name(pool_id).encode() + user_id_for_srp.encode() + block + timestamp.encode()
    expected = hmac.new(session_key(challenge), message, hashlib.sha256).digest()
    return hmac.compare_digest(expected, claimed)


# -- the verifier kept on moto's users -----------------------------------------------------
_ATTR = "_stratus_srp_verifier"
_install_lock = threading.Lock()


def verifier_of(user: Any) -> Verifier | None:
    """The user's stored verifier (derived once from moto's password when there is none)."""
    stored = user.__dict__.get(_ATTR)
    if isinstance(stored, Verifier):
        return stored
    password = user.password
    if not password:
        return None
    verifier = make_verifier(str(user.user_pool_id), str(user.username), str(password))
    user.__dict__[_ATTR] = verifier
    return verifier


def install() -> None:
    """Make every password moto sets store a fresh verifier (see module docstring)."""
    from moto.cognitoidp.models import CognitoIdpUser

    with _install_lock:
        if isinstance(CognitoIdpUser.__dict__.get("password"), property):
            return

        def get(self: Any) -> Any:
            return self.__dict__.get("password")

        def set_(self: Any, value: Any) -> None:
            self.__dict__["password"] = value
            self.__dict__.pop(_ATTR, None)
            # A journal replayed at start leaves it to the first SRP sign-in (`verifier_of`):
            # one modular power (~10 ms) per password set would slow every start.
            if value and "username" in self.__dict__ and not determinism.replaying():
                self.__dict__[_ATTR] = make_verifier(
                    str(self.user_pool_id), str(self.username), str(value)
                )

        CognitoIdpUser.password = property(get, set_)  # type: ignore[assignment]
