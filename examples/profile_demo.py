#!/usr/bin/env python3
"""The viewer-profile part of the keyart demo: a viewer who has watched three
films in which one actor had a supporting role (POST /v1/plays) asks for
the new title's artwork without saying anything about their tastes; keyart's
profile supplies them, and the answer's explain shows where each came from.
The viewer is picked among a few ids so that the experiment's hash puts it
in the bandit arm (the control always shows the ensemble poster).
Standard library only.
"""
import argparse
import json
import sys
import time

from keyart_client import Client


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--title", required=True, help="the new title")
    p.add_argument("--watched", nargs="+", required=True, help="titles the viewer watched")
    p.add_argument("--variants", required=True, help="output of keyart variant list --json")
    args = p.parse_args()
    with open(args.variants) as f:
        featured = {v["variant_id"]: v["arm_features"].get("featured_actor", "none")
                    for v in json.load(f)}
    post = Client(args.port, "profile_demo.py").post

    context = {"device": "tv", "country": "US", "hour": 21}
    unit = None
    for i in range(1, 50):
        candidate = f"supporting-fan-{i}"
        preview = post("/v1/decide", {"unit_id": candidate, "title_id": args.title,
                                      "context": context, "preview": True})
        if preview.get("arm_id") == "bandit":
            unit = candidate
            break
    if unit is None:
        sys.exit("profile_demo.py: no viewer id landed in the bandit arm")
    day = 86_400_000
    now = int(time.time() * 1000)
    plays = [{"unit_id": unit, "title_id": t, "ts": now - (len(args.watched) - i) * 7 * day,
              "seconds": 6000, "completed": True} for i, t in enumerate(args.watched)]
    answer = post("/v1/plays", {"plays": plays})
    print(f"  {unit} watched {', '.join(args.watched)} to the end, a week apart "
          f"(POST /v1/plays: {answer['accepted']} accepted)")
    d = post("/v1/decide", {"unit_id": unit, "title_id": args.title, "context": context,
                            "explain": True})
    print(f"  {args.title} for {unit}: {d['variant_id']} (featuring "
          f"{featured.get(d['variant_id'], '?')}), propensity {d['propensity']:.3f}, "
          f"arm {d['arm_id']}")
    print("  tastes the decision used (explain):")
    for t in sorted(d.get("tastes", []), key=lambda t: -t["value"]):
        print(f"    {t['feature']:<24} {t['value']:.3f}  from the {t['source']}")
    print("  every candidate's probability:")
    for c in sorted(d.get("candidates", []), key=lambda c: -c["probability"]):
        print(f"    {c['variant_id']:<12} {c['probability']:.3f}  "
              f"featuring {featured.get(c['variant_id'], '?')}")


if __name__ == "__main__":
    main()
