#!/usr/bin/env python3
"""A workload whose requests carry tastes fitted to each viewer's history
(docs/BENCHMARKS.md, "Viewer profiles"): what a profile that fits the
generator's choice model (scripts/profile_estimators.py, `fitted`) could
give the bandit, before keyart's profiles do it themselves.

Reads a workload made with --history, fits every viewer's tastes to their
plays before the stream (non-negative, L1 penalty per play), and writes the
workload again with each impression's actor_*/genre_* user features
replaced by the viewer's strongest 16 actors and 8 genres (other user
features kept; a viewer without history gets none). Then run the policy on
it as in setting (a):

  keyart sim generate --n 1000000 --seed 1 --plays --history --history-plays P --out wl.jsonl
  python3 scripts/fitted_tastes_workload.py wl.jsonl fitted.jsonl [--l1 0.002]
  keyart sim run -w fitted.jsonl -p hybrid-linucb --json

Slow (about 20 minutes for the 50,000 viewers of the seed-1 world on one
core): a throwaway measurement, not part of serving.
"""
import argparse
import json

import numpy as np

import profile_estimators as pe


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload")
    ap.add_argument("out")
    ap.add_argument("--l1", type=float, default=0.002)
    a = ap.parse_args()

    facts, plays, _ = pe.read_workload(a.workload, 0)  # the history, up to the stream
    c = pe.Catalogue(facts)
    actors, genres = c.actors, c.genres
    features = np.hstack([c.role, c.has_genre])

    viewers = sorted(plays)
    tastes = {}
    for start in range(0, len(viewers), 10000):
        chunk = viewers[start:start + 10000]
        fitted = pe.fit_choice_model(chunk, plays, c.tix, features, a.l1)
        for row, u in zip(fitted, chunk):
            named = {}
            for j in np.argsort(-row[:len(actors)])[:16]:
                if row[j] > 0:
                    named["actor_" + actors[j]] = round(float(row[j]), 4)
            for j in np.argsort(-row[len(actors):])[:8]:
                if row[len(actors) + j] > 0:
                    named["genre_" + genres[j]] = round(float(row[len(actors) + j]), 4)
            tastes[u] = named

    with open(a.workload) as f, open(a.out, "w") as out:
        for line in f:
            if line.startswith('{"t"'):
                d = json.loads(line)
                user = {k: v for k, v in d["user_features"].items()
                        if not k.startswith(("actor_", "genre_"))}
                user.update(tastes.get(d["user"], {}))
                d["user_features"] = user
                line = json.dumps(d, separators=(",", ":")) + "\n"
            out.write(line)
    print(f"{len(viewers)} viewers' tastes fitted; {a.out} written")


if __name__ == "__main__":
    main()
