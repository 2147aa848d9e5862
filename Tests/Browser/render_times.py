#!/usr/bin/env python3
"""Render times of every page as a browser gets them from a running fleet: Postgres reads,
session, CSRF, templates and HTTP on one keep-alive connection. Sets up its own data through
the JSON API, then GETs each page N times and prints p50 and p99 in milliseconds.

    render_times.py --base-url http://127.0.0.1:PORT [--requests 1000]
"""
import argparse
import http.client
import json
import time
import urllib.parse
import uuid


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--requests", type=int, default=1000)
    arguments = parser.parse_args()
    url = urllib.parse.urlparse(arguments.base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def request(method, path, body=None, cookie=None):
        headers = {}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        if cookie:
            headers["Cookie"] = cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response, data

    def sign_up(label):
        email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
        response, data = request("POST", "/api/users/signup", {"email": email, "password": "correct horse"})
        assert response.status == 201, data
        return response.getheader("Set-Cookie").split(";")[0]

    seller = sign_up("seller")
    tickets = []
    for index in range(25):
        response, data = request("POST", "/api/tickets", {"title": f"Show {index} & friends", "price": 12.5 + index}, seller)
        assert response.status == 201, data
        tickets.append(json.loads(data)["id"])
    buyer = sign_up("buyer")
    deadline = time.time() + 15
    while True:
        response, data = request("POST", "/api/orders", {"ticketId": tickets[0]}, buyer)
        if response.status != 404 or time.time() > deadline:
            break
        time.sleep(0.1)
    assert response.status == 201, data
    order = json.loads(data)["id"]
    # The CSRF cookie as a browser would hold it after its first page.
    csrf = "csrf=" + "a" * 43

    pages = [
        ("tickets (/)", "/", csrf),
        ("sign in", "/auth/signin", csrf),
        ("sell a ticket", "/tickets/new", f"{seller}; {csrf}"),
        ("ticket", f"/tickets/{tickets[1]}", f"{buyer}; {csrf}"),
        ("edit ticket", f"/tickets/{tickets[1]}/edit", f"{seller}; {csrf}"),
        ("my tickets (25)", "/tickets/mine", f"{seller}; {csrf}"),
        ("order (unpaid)", f"/orders/{order}", f"{buyer}; {csrf}"),
        ("my orders", "/orders", f"{buyer}; {csrf}"),
        ("not found", "/no/such/page", csrf),
    ]
    print(f"page render time over HTTP from the running API, {arguments.requests} requests each\n")
    print(f"{'page':<18}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, path, cookie in pages:
        for _ in range(20):
            request("GET", path, cookie=cookie)
        samples = []
        for _ in range(arguments.requests):
            started = time.perf_counter()
            response, _ = request("GET", path, cookie=cookie)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status in (200, 404), (path, response.status)
        samples.sort()
        p50 = samples[len(samples) // 2]
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        print(f"{name:<18}{p50:>9.3f}{p99:>9.3f}{samples[-1]:>9.3f}", flush=True)


if __name__ == "__main__":
    main()
