# Signs a Strata template image URL (docs/TEMPLATES.md). Python 3, standard library.
import base64, hashlib, hmac, sys
from urllib.parse import quote

def sign_url(api_key, key_id, template_id, ext, params):
    path = f"/image-generation/v1/templates/{template_id}/image.{ext}"
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in [("key", key_id)] + params)
    mac = hmac.new(api_key.encode(), f"GET\n{path}\n{query}".encode(), hashlib.sha256).digest()
    sig = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    return f"{path}?{query}&sig={sig}"

api_key, key_id = sys.argv[1:3]
print(sign_url(api_key, key_id, "og-card", "png",
               [("v", "2"), ("title.text", "Héllo & welcome"), ("badge.opacity", "50")]))
