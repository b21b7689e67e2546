"""The demo scripts' HTTP client for a running `keyart serve`: one
keep-alive connection to 127.0.0.1; post() sends a JSON body and returns
the JSON answer, and stops the script with the answer's start on any
status but 200. Standard library only."""
import http.client
import json
import sys


class Client:
    def __init__(self, port, who):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.who = who

    def post(self, path, body):
        self.conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            sys.exit(f"{self.who}: {path} answered {r.status}: {data.decode()[:200]}")
        return json.loads(data)
