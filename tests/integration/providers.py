"""How each provider signs its webhooks, written from the providers'
documentation independently of replyd's C code, so the tests check one
implementation against another."""

import base64
import hashlib
import hmac
import urllib.parse


def twilio_signature(token, url, params):
    """X-Twilio-Signature for a form POST: HMAC-SHA1 over the URL followed
    by each key and value, keys sorted (and a repeated key's values)."""
    data = url
    for key in sorted({k for k, _ in params}):
        for value in sorted(v for k, v in params if k == key):
            data += key + value
    mac = hmac.new(token.encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def form_body(params):
    return urllib.parse.urlencode(params).encode()


def mailgun_signature(key, timestamp, token):
    return hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def basic_auth(user, password):
    """An HTTP Basic Authorization header value (RFC 7617)."""
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def multipart_body(fields, files=(), boundary="replyd-test-boundary-7MA4YWxkTrZu0gW"):
    """A multipart/form-data body (RFC 7578) and its Content-Type value.
    fields: [(name, str or bytes)]; files: [(name, filename, type, bytes)]."""
    out = b""
    for name, value in fields:
        if isinstance(value, str):
            value = value.encode()
        out += (b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n"
                % (boundary.encode(), name.encode())) + value + b"\r\n"
    for name, filename, ctype, data in files:
        out += (b"--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                b"Content-Type: %s\r\n\r\n" % (boundary.encode(), name.encode(),
                                               filename.encode(), ctype.encode())) + data + b"\r\n"
    out += b"--%s--\r\n" % boundary.encode()
    return out, "multipart/form-data; boundary=" + boundary
