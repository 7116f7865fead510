// Signs a Strata template image URL (docs/TEMPLATES.md). Node 18+, no packages.
const crypto = require("crypto");

function signURL(apiKey, keyID, templateID, ext, params) {
  const path = `/image-generation/v1/templates/${templateID}/image.${ext}`;
  const query = [["key", keyID], ...params]
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  const sig = crypto.createHmac("sha256", apiKey)
    .update(`GET\n${path}\n${query}`).digest("base64url");
  return `${path}?${query}&sig=${sig}`;
}

const [apiKey, keyID] = process.argv.slice(2);
console.log(signURL(apiKey, keyID, "og-card", "png",
  [["v", "2"], ["title.text", "Héllo & welcome"], ["badge.opacity", "50"]]));
