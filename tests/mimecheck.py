#!/usr/bin/env python3
"""mimecheck.py MESSAGE SPEC.json: checks a composed message, as delivered,
with Python's own MIME parser (the email package), against what the test
expected.  Exits 0 when every check holds, 1 with one line per failure.

SPEC is a JSON object; every key is optional:
  "headers":  {"Name": "decoded value", ...}   each field present once,
              its value as a reader decodes it (RFC 2047 words decoded)
  "raw":      {"Name": "value on the wire", ...}  unfolded, undecoded
  "absent":   ["Name", ...]                    fields that must not be there
  "absent_bytes": ["text", ...]                bytes that must not occur
  "text":     {"content": "...", "charset": "utf-8",
               "cte": "quoted-printable"}      the text/plain part (the
              message itself when there are no attachments); line ends
              compared as LF
  "attachments": [{"filename": "...", "type": "...", "file": "PATH"}, ...]
              in order; the decoded bytes must equal PATH's, byte for byte

Always checked: the parser reports no defect; every byte is 7-bit; no
line is over 78 characters; lines end in CR LF only; with attachments the
message is multipart/mixed with exactly one text part first, every
attachment base64 in lines of at most 76 characters.
"""
import email
import email.policy
import json
import sys


def fail(errors, what):
    errors.append(what)


def check_form(raw, errors):
    if any(b > 127 for b in raw):
        fail(errors, "the message has 8-bit bytes")
    body = raw.replace(b"\r\n", b"")
    if b"\r" in body or b"\n" in body:
        fail(errors, "a line ends in a bare CR or LF")
    for n, line in enumerate(raw.split(b"\r\n"), 1):
        if len(line) > 78:
            fail(errors, "line %d has %d characters" % (n, len(line)))
            break


def raw_field(raw, name):
    """The unfolded, undecoded value of the first field NAME."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    value = None
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t"):
            if value is not None:
                value += line
            continue
        if value is not None:
            return value
        k, _, v = line.partition(":")
        if k.lower() == name.lower():
            value = v.lstrip(" ")
    return value


def check_defects(msg, errors):
    for part in msg.walk():
        for d in part.defects:
            fail(errors, "parser defect in %s: %r" %
                 (part.get_content_type(), d))


def check_headers(msg, raw, spec, errors):
    for name, want in spec.get("headers", {}).items():
        got = msg.get_all(name)
        if got is None or len(got) != 1:
            fail(errors, "%s: %d fields, want 1" %
                 (name, 0 if got is None else len(got)))
        elif str(got[0]) != want:
            fail(errors, "%s: %r, want %r" % (name, str(got[0]), want))
    for name, want in spec.get("raw", {}).items():
        got = raw_field(raw, name)
        if got != want:
            fail(errors, "%s on the wire: %r, want %r" % (name, got, want))
    for name in spec.get("absent", []):
        if msg.get(name) is not None:
            fail(errors, "%s is present: %r" % (name, str(msg.get(name))))
    for b in spec.get("absent_bytes", []):
        if b.encode() in raw:
            fail(errors, "%r occurs in the message" % b)


def check_text(part, want, errors):
    if part.get_content_type() != "text/plain":
        fail(errors, "text part is %s" % part.get_content_type())
        return
    if "charset" in want and part.get_content_charset() != want["charset"]:
        fail(errors, "charset %r, want %r" %
             (part.get_content_charset(), want["charset"]))
    cte = part.get("Content-Transfer-Encoding", "")
    if "cte" in want and cte != want["cte"]:
        fail(errors, "text encoding %r, want %r" % (cte, want["cte"]))
    if "content" in want:
        got = part.get_content().replace("\r\n", "\n")
        if got != want["content"]:
            fail(errors, "text %r, want %r" % (got[:200],
                                               want["content"][:200]))


def check_attachment(part, want, errors):
    name = want.get("filename")
    if part.get_filename() != name:
        fail(errors, "file name %r, want %r" % (part.get_filename(), name))
    if part.get_content_disposition() != "attachment":
        fail(errors, "%s: disposition %r" %
             (name, part.get_content_disposition()))
    if "type" in want and part.get_content_type() != want["type"]:
        fail(errors, "%s: type %s, want %s" %
             (name, part.get_content_type(), want["type"]))
    if part.get("Content-Transfer-Encoding") != "base64":
        fail(errors, "%s: not base64" % name)
    for line in part.get_payload(decode=False).splitlines():
        if len(line) > 76:
            fail(errors, "%s: a base64 line of %d" % (name, len(line)))
            break
    with open(want["file"], "rb") as f:
        data = f.read()
    got = part.get_payload(decode=True)
    if got != data:
        fail(errors, "%s: %d bytes decoded, file has %d%s" %
             (name, len(got), len(data),
              "" if len(got) != len(data) else " (content differs)"))


def check_parts(msg, spec, errors):
    files = spec.get("attachments", [])
    if not files:
        if msg.is_multipart():
            fail(errors, "multipart without attachments")
        elif "text" in spec:
            check_text(msg, spec["text"], errors)
        return
    if msg.get_content_type() != "multipart/mixed":
        fail(errors, "type %s, want multipart/mixed" %
             msg.get_content_type())
        return
    parts = msg.get_payload()
    if len(parts) != 1 + len(files):
        fail(errors, "%d parts, want %d" % (len(parts), 1 + len(files)))
        return
    if "text" in spec:
        check_text(parts[0], spec["text"], errors)
    for part, want in zip(parts[1:], files):
        check_attachment(part, want, errors)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    with open(sys.argv[2], encoding="utf-8") as f:
        spec = json.load(f)
    errors = []
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    check_form(raw, errors)
    check_defects(msg, errors)
    check_headers(msg, raw, spec, errors)
    check_parts(msg, spec, errors)
    for e in errors:
        print("mimecheck: " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
