#!/usr/bin/env python3
"""jsoncheck.py: validates tlsmail's --json output against schema version 1.

    jsoncheck.py probe|send FILE [PATH=VALUE...]
        exit 0 when FILE is one JSON object of that kind with every field
        present and of its type, and no other field, and when the value at
        each PATH ("a/0/b") is VALUE: strings as they are, others as JSON
        ("null", "true", "250", '["a", "b"]')
    jsoncheck.py get FILE PATH       prints the value at PATH, the same way

One run checks a whole document: a Python start costs more than the rest.

The schema is the one tlsmail(1) documents under JSON OUTPUT; a change
there must change this file, which is the point.
"""
import json
import re
import sys

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def t_str(v):
    return isinstance(v, str)


def t_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def t_bool(v):
    return isinstance(v, bool)


def t_time(v):
    return isinstance(v, str) and TIME.match(v) is not None


def nullable(t):
    return lambda v: v is None or t(v)


def one_of(*words):
    return lambda v: v in words


def list_of(t):
    return lambda v: isinstance(v, list) and all(t(x) for x in v)


def const(c):
    return lambda v: v == c and type(v) is type(c)


CERT = {
    "subject": t_str, "issuer": t_str, "names": t_str, "serial": t_str,
    "signature": t_str, "not_before": nullable(t_time),
    "not_after": nullable(t_time), "days_left": nullable(t_int),
    "key_type": nullable(t_str), "key_bits": t_int,
    "sha256": nullable(t_str), "pin_sha256": nullable(t_str),
}
TLS = {
    "active": t_bool, "version": nullable(t_str), "cipher": nullable(t_str),
    "kx_group": nullable(t_str), "signature": nullable(t_str),
    "resumable": t_bool, "verified": t_bool, "verify_reason": t_str,
    "pinned": t_bool, "pin_matched": t_bool, "chain_complete": t_bool,
    "chain_in_order": t_bool,
    "ocsp": one_of("none", "good", "revoked", "unknown", "invalid"),
    "chain": ("list", CERT),
}
VERSION_STATE = one_of("untested", "accepted", "refused", "unknown")
VERSIONS = {"TLS1.0": VERSION_STATE, "TLS1.1": VERSION_STATE,
            "TLS1.2": VERSION_STATE, "TLS1.3": VERSION_STATE}
ERROR = {
    "class": one_of("usage", "data", "noinput", "config", "nohost",
                    "temporary", "unavailable", "security", "protocol",
                    "auth", "os", "internal"),
    "step": nullable(t_str), "code": nullable(t_int),
    "message": nullable(t_str), "hint": nullable(t_str),
}
SESSION = {
    "server": nullable(t_str), "address": nullable(t_str), "port": t_int,
    "tls_mode": one_of("starttls", "implicit", "off"), "reached": t_bool,
    "greeting": nullable(t_str), "ehlo": nullable(list_of(t_str)),
    "starttls_offered": t_bool, "starttls_code": nullable(t_int),
    "auth_in_clear": t_bool, "tls": ("nullable", TLS),
    "tls_versions": ("object", VERSIONS),
    "ehlo_tls": nullable(list_of(t_str)), "error": ("nullable", ERROR),
    "round_trips": t_int, "writes": t_int,
}
REASON = {
    "level": one_of("info", "warn", "fail"),
    "code": one_of("unreachable", "session-failed", "no-starttls",
                   "starttls-refused", "auth-in-clear", "old-tls-version",
                   "verify-failed", "cert-expired", "cert-not-yet-valid",
                   "cert-expiring", "weak-key", "weak-signature",
                   "chain-incomplete", "chain-order", "ocsp-revoked",
                   "ocsp-invalid"),
    "port": t_int, "text": t_str,
}
PROBE = {
    "version": const(1), "mode": const("probe"), "time": t_time,
    "host": t_str, "warn_days": t_int,
    "verdict": one_of("ok", "warn", "fail", "unknown"),
    "reasons": ("list", REASON), "sessions": ("list", SESSION),
}
RCPT = {"address": t_str, "code": nullable(t_int), "text": nullable(t_str)}
MESSAGE = {
    "size": t_int, "body": one_of("7BIT", "8BITMIME"), "smtputf8": t_bool,
    "converted": t_bool,
}
SEND = {
    "version": const(1), "mode": const("send"), "time": t_time,
    "session": ("object", SESSION), "auth": nullable(t_str),
    "message": ("nullable", MESSAGE),
    "recipients": ("list", RCPT), "final_code": nullable(t_int),
    "final_text": nullable(t_str), "delivered": t_bool,
    "delivery_unknown": t_bool,
}


def check(value, schema, path, problems):
    if not isinstance(value, dict):
        problems.append("%s: not an object" % path)
        return
    for key in sorted(set(value) - set(schema)):
        problems.append("%s.%s: unexpected field" % (path, key))
    for key, rule in schema.items():
        where = "%s.%s" % (path, key)
        if key not in value:
            problems.append("%s: missing" % where)
            continue
        v = value[key]
        if isinstance(rule, tuple):
            kind, sub = rule
            if kind == "nullable" and v is None:
                continue
            if kind == "list":
                if not isinstance(v, list):
                    problems.append("%s: not an array" % where)
                    continue
                for i, item in enumerate(v):
                    check(item, sub, "%s.%d" % (where, i), problems)
                continue
            check(v, sub, where, problems)
        elif not rule(v):
            problems.append("%s: wrong type or value: %r" % (where, v))


def load(name):
    with open(name, "rb") as f:
        raw = f.read()
    # One object, UTF-8, nothing after it but the final newline.
    text = raw.decode("utf-8")
    return json.loads(text)


def lookup(doc, path):
    v = doc
    for part in path.split("/"):
        v = v[int(part)] if isinstance(v, list) else v[part]
    return v if isinstance(v, str) else json.dumps(v)


def main(argv):
    if len(argv) >= 3 and argv[1] in ("probe", "send"):
        doc = load(argv[2])
        problems = []
        check(doc, PROBE if argv[1] == "probe" else SEND, "$", problems)
        for want in argv[3:]:
            path, _, value = want.partition("=")
            try:
                got = lookup(doc, path)
            except (KeyError, IndexError, ValueError, TypeError):
                problems.append("%s: no such field" % path)
                continue
            if got != value:
                problems.append("%s is %r, expected %r" % (path, got, value))
        for p in problems:
            print(p)
        return 1 if problems else 0
    if len(argv) == 4 and argv[1] == "get":
        print(lookup(load(argv[2]), argv[3]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
