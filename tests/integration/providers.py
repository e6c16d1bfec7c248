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
