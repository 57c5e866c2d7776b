/**
 * "View Examples": a Python 3 script (standard library only) and a curl command for one key,
 * with the key id and the server URL filled in and the key left as a placeholder. Both call
 * `api_keys/validate`, which any working key may call.
 */

export const KEY_PLACEHOLDER = "YOUR_API_KEY";

export function pythonExample(o: {
  baseUrl: string;
  keyId: number;
  level: "standard" | "advanced";
}): string {
  const headers =
    o.level === "advanced"
      ? `    # Advanced key: the key never travels; each request carries a fresh nonce, a timestamp
    # in milliseconds, and sha256(key + nonce + timestamp).
    nonce = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))
    timestamp = int(datetime.now(timezone.utc).timestamp()) * 1000
    auth_key = "%s%s%s" % (API_KEY, nonce, timestamp)
    api_key_hash = hashlib.sha256(auth_key.encode("utf-8")).hexdigest()
    return {
        "x-xdr-timestamp": str(timestamp),
        "x-xdr-nonce": nonce,
        "x-xdr-auth-id": str(API_KEY_ID),
        "Authorization": api_key_hash,
        "Content-Type": "application/json",
    }`
      : `    # Standard key: the key itself goes in Authorization.
    return {
        "x-xdr-auth-id": str(API_KEY_ID),
        "Authorization": API_KEY,
        "Content-Type": "application/json",
    }`;
  const imports =
    o.level === "advanced"
      ? "import hashlib\nimport json\nimport secrets\nimport string\nimport sys\nimport urllib.error\nimport urllib.request\nfrom datetime import datetime, timezone"
      : "import json\nimport sys\nimport urllib.error\nimport urllib.request";
  return `#!/usr/bin/env python3
# keyplane: calling the API with ${o.level} key ${o.keyId}. Paste the key into API_KEY below.
${imports}

API_KEY = "${KEY_PLACEHOLDER}"
API_KEY_ID = ${o.keyId}
BASE_URL = "${o.baseUrl}"


def headers():
${headers}


def call(path, request_data):
    body = json.dumps({"request_data": request_data}).encode("utf-8")
    req = urllib.request.Request(BASE_URL + path, data=body, headers=headers(), method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read().decode("utf-8") or "null")


if __name__ == "__main__":
    status, reply = call("/public_api/v1/api_keys/validate", {})
    print(status, json.dumps(reply))
    sys.exit(0 if status == 200 else 1)
`;
}

export function curlExample(o: {
  baseUrl: string;
  keyId: number;
  level: "standard" | "advanced";
}): string {
  const url = `${o.baseUrl}/public_api/v1/api_keys/validate`;
  if (o.level === "standard") {
    return `curl -sS -X POST '${url}' \\
  -H 'x-xdr-auth-id: ${o.keyId}' \\
  -H 'Authorization: ${KEY_PLACEHOLDER}' \\
  -H 'Content-Type: application/json' \\
  -d '{"request_data": {}}'
`;
  }
  return `# Advanced keys sign every request; curl cannot, so bash computes the signature first.
API_KEY='${KEY_PLACEHOLDER}'
NONCE=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 64)
TIMESTAMP=$(( $(date +%s) * 1000 ))
SIGNATURE=$(printf '%s%s%s' "$API_KEY" "$NONCE" "$TIMESTAMP" | sha256sum | cut -d' ' -f1)
curl -sS -X POST '${url}' \\
  -H 'x-xdr-auth-id: ${o.keyId}' \\
  -H "x-xdr-nonce: $NONCE" \\
  -H "x-xdr-timestamp: $TIMESTAMP" \\
  -H "Authorization: $SIGNATURE" \\
  -H 'Content-Type: application/json' \\
  -d '{"request_data": {}}'
`;
}
