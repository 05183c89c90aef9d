"""A credential helper for tests (a real executable, not a mock of mocker's code)."""

# A real credential helper speaking docker/docker-credential-helpers' protocol, keeping its secrets in
# a JSON file and logging every call (action, stdin) so the tests can check what mocker sent.
HELPER = """\
#!{python}
import json, os, sys
db = os.environ["FAKE_CRED_DB"]
action = sys.argv[1] if len(sys.argv) == 2 else "?"
data = sys.stdin.read()
with open(db + ".log", "a") as log:
    log.write(json.dumps([sys.argv[1:], data]) + "\\n")
try:
    with open(db) as f:
        store = json.load(f)
except FileNotFoundError:
    store = {{}}
if os.environ.get("FAKE_CRED_FAIL"):
    print(os.environ["FAKE_CRED_FAIL"])
    sys.exit(1)
if action == "get":
    if data not in store:
        print("credentials not found in native keychain")
        sys.exit(1)
    user, secret = store[data]
    json.dump({{"ServerURL": data, "Username": user, "Secret": secret}}, sys.stdout)
elif action == "store":
    creds = json.loads(data)
    store[creds["ServerURL"]] = [creds["Username"], creds["Secret"]]
elif action == "erase":
    if data not in store:
        print("credentials not found in native keychain")
        sys.exit(1)
    del store[data]
else:
    sys.exit(2)
with open(db, "w") as f:
    json.dump(store, f)
"""


def install(bindir, db_path, python: str) -> None:
    """Write ``docker-credential-test`` into ``bindir``; it keeps its secrets in ``db_path``."""
    import os

    script = bindir / "docker-credential-test"
    script.write_text(HELPER.format(python=python))
    os.chmod(script, 0o755)
