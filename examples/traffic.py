#!/usr/bin/env python3
"""Simulated viewers for the keyart demo: sends impressions to a running
`keyart serve` (POST /v1/decide), decides from a hidden click model whether
the viewer clicks on the artwork it was shown, and reports clicks back
(POST /v1/reward). Standard library only; one keep-alive connection.

The hidden model: every viewer likes one cast member (known to the service
as the user feature actor_<id> = 1, as a watch history would suggest); a
poster featuring that actor gets clicked far more often; TV viewers prefer
close-ups a little. A click turns into a play (POST /v1/reward, kind play:
the demo report's guardrail) twice as often when the poster showed that
actor. Nothing of this is told to the bandit: it has to learn it.
"""
import argparse
import json
import random
import sys

from keyart_client import Client


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--title", required=True)
    p.add_argument("--variants", required=True, help="output of keyart variant list --json")
    p.add_argument("--impressions", type=int, default=20000)
    p.add_argument("--viewers", type=int, default=3000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()

    with open(args.variants) as f:
        variants = {v["variant_id"]: v["arm_features"] for v in json.load(f)}
    actors = sorted({a["featured_actor"] for a in variants.values()} - {"none"})
    if not actors:
        sys.exit("traffic.py: no variant features an identified cast member")
    rng = random.Random(args.seed)
    viewers = [(f"viewer-{i}", rng.choice(actors), rng.choice(["tv", "tv", "mobile", "web"]),
                rng.choice(["US", "KR", "BR", "DE"])) for i in range(args.viewers)]

    def click_probability(variant_id, liked, device):
        f = variants[variant_id]
        p = 0.02
        if f["featured_actor"] == liked:
            p += 0.10
        if device == "tv" and f["style"] == "closeup":
            p += 0.01
        return p

    post = Client(args.port, "traffic.py").post

    shown = {}
    clicks = {}
    for n in range(args.impressions):
        unit, liked, device, country = rng.choice(viewers)
        d = post("/v1/decide", {
            "unit_id": unit, "title_id": args.title,
            "context": {"device": device, "country": country, "hour": rng.randrange(24)},
            "user": {f"actor_{liked}": 1.0, "activity": 1.0},
        })
        arm = d["arm_id"] or "default"
        shown[arm] = shown.get(arm, 0) + 1
        if rng.random() < click_probability(d["variant_id"], liked, device):
            clicks[arm] = clicks.get(arm, 0) + 1
            post("/v1/reward", {"event_id": d["event_id"], "kind": "click", "value": 1})
            # A click becomes a play more often when the artwork showed the
            # actor the viewer follows (the report's guardrail).
            featured = variants.get(d["variant_id"], {}).get("featured_actor")
            if rng.random() < (0.7 if featured == liked else 0.35):
                post("/v1/reward", {"event_id": d["event_id"], "kind": "play", "value": 1})
        if (n + 1) % 5000 == 0:
            print(f"  {n + 1} impressions sent", flush=True)
    for arm in sorted(shown):
        print(f"  arm {arm}: {shown[arm]} impressions, {clicks.get(arm, 0)} clicks "
              f"({clicks.get(arm, 0) / shown[arm]:.2%})")


if __name__ == "__main__":
    main()
