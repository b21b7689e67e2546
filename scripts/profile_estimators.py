#!/usr/bin/env python3
"""How well a viewing history tells a viewer's hidden tastes (docs/SIM.md,
"Hidden tastes"; the figures in docs/BENCHMARKS.md, "Viewer profiles").

For the viewers of a simulated workload with history, compares estimates of
each viewer's affinity to every actor and genre with the affinities the
generator drew (its --truth file): the correlation over all (viewer, actor)
and (viewer, genre) pairs, and the AUC of telling a liked one from the rest.
Estimates, all made from the history before the stream:

  request      the noisy tastes the requests carry (the workload's
               user_features; what the policies see without profiles)
  profile      the share of weighted viewing, as docs/PROFILES.md defines
               it (recomputed here independently, default options)
  excess       profile minus the population's share, clipped at 0
  z            (weighted count - expected from the population) /
               sqrt(expected + 1), clipped at 0
  fitted       the generator's own kind of choice model fitted to each
               viewer's plays: P(title) proportional to the title's share
               of everyone's plays times exp(tastes . the title's cast
               (role weights) and genres), the tastes non-negative with an
               L1 penalty (--l1, per play), by projected gradient ascent

  keyart sim generate --n 1000000 --seed 1 --plays --history --out wl.jsonl --truth truth.jsonl
  python3 scripts/profile_estimators.py wl.jsonl truth.jsonl [--viewers 3000]
"""
import argparse
import json

import numpy as np
from scipy.stats import rankdata

HALF_LIFE_MS = 90 * 86_400_000
ROLE_WEIGHT = {"lead": 1.0, "supporting": 0.6, "minor": 0.3}


def viewing_weight(seconds, completed):
    if completed:
        return 1.0
    return 0.1 if seconds < 300 else 0.5


def read_workload(path, viewers_wanted):
    facts, plays, observed = {}, {}, {}
    with open(path) as f:
        for line in f:
            if line.startswith('{"title_facts"'):
                d = json.loads(line)["title_facts"]
                facts[d["title"]] = (d["cast"], d["genres"])
            elif line.startswith('{"play"'):
                d = json.loads(line)["play"]
                plays.setdefault(d["user"], []).append(
                    (d["title"], d["ts_offset_ms"], d["seconds"], d["completed"]))
            elif line.startswith('{"t"'):
                d = json.loads(line)
                observed.setdefault(d["user"], d["user_features"])
                if len(observed) >= viewers_wanted * 4:
                    break
    return facts, plays, observed


class Catalogue:
    """The titles, actors and genres of a workload's title facts, indexed,
    and each title's cast (role weights: role[title, actor]) and genres
    (has_genre[title, genre], 0 or 1)."""

    def __init__(self, facts):
        titles = sorted(facts)
        self.tix = {t: i for i, t in enumerate(titles)}
        self.actors = sorted({x for cast, _ in facts.values() for x in cast})
        self.genres = sorted({g for _, gs in facts.values() for g in gs})
        self.aix = {x: i for i, x in enumerate(self.actors)}
        self.gix = {g: i for i, g in enumerate(self.genres)}
        self.role = np.zeros((len(titles), len(self.actors)))
        self.has_genre = np.zeros((len(titles), len(self.genres)))
        for t, (cast, gs) in facts.items():
            for actor, r in cast.items():
                self.role[self.tix[t], self.aix[actor]] = ROLE_WEIGHT[r]
            for g in gs:
                self.has_genre[self.tix[t], self.gix[g]] = 1


def fit_choice_model(viewers, plays, tix, features, l1, steps=300, rate=0.5):
    """Each viewer's tastes (one row per viewer, a column per feature) under
    P(title) ~ share(title) * exp(tastes . features[title]), share being the
    title's part of every viewer's plays (plus one), fitted to the viewer's
    play counts: non-negative, L1-penalised, projected gradient ascent on
    the mean log-likelihood per play."""
    counts = np.ones(len(tix))
    for history in plays.values():
        for title, *_ in history:
            counts[tix[title]] += 1
    base_logit = np.log(counts / counts.sum())
    c = np.zeros((len(viewers), len(tix)))
    for i, u in enumerate(viewers):
        for title, *_ in plays[u]:
            c[i, tix[title]] += 1
    n = c.sum(1, keepdims=True)
    tastes = np.zeros((len(viewers), features.shape[1]))
    for _ in range(steps):
        z = base_logit + tastes @ features.T
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        gradient = (c - n * p) @ features / n
        tastes = np.maximum(0, tastes + rate * (gradient - l1))
    return tastes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload")
    ap.add_argument("truth")
    ap.add_argument("--viewers", type=int, default=3000)
    ap.add_argument("--l1", type=float, default=0.002, help="the fitted estimate's penalty per play")
    a = ap.parse_args()

    facts, plays, observed = read_workload(a.workload, a.viewers)
    truth = {}
    with open(a.truth) as f:
        for line in f:
            d = json.loads(line)
            if "user" in d:
                truth[d["user"]] = d
    c = Catalogue(facts)
    tix, actors, genres, aix, gix = c.tix, c.actors, c.genres, c.aix, c.gix
    role, has_genre = c.role, c.has_genre

    def sums(history):
        total, sa, sg = 0.0, np.zeros(len(actors)), np.zeros(len(genres))
        for title, offset_ms, seconds, completed in history:
            w = viewing_weight(seconds, completed) * 2.0 ** (offset_ms / HALF_LIFE_MS)
            total += w
            sa += w * role[tix[title]]
            sg += w * has_genre[tix[title]]
        return total, sa, sg

    population = [np.zeros(len(actors)), np.zeros(len(genres))]
    population_total = 0.0
    for history in plays.values():
        total, sa, sg = sums(history)
        population_total += total
        population[0] += sa
        population[1] += sg
    base = [p / population_total for p in population]

    viewers = [u for u in sorted(observed) if u in plays and u in truth][: a.viewers]
    fitted = fit_choice_model(viewers, plays, tix, np.hstack([role, has_genre]), a.l1)
    estimators = ["request", "profile", "excess", "z", "fitted"]
    est = {e: ([], []) for e in estimators}
    hidden = ([], [])
    for i, u in enumerate(viewers):
        ta, tg = np.zeros(len(actors)), np.zeros(len(genres))
        for actor, v in truth[u]["actors"].items():
            if actor in aix:
                ta[aix[actor]] = v
        for g, v in truth[u]["genres"].items():
            gi = gix.get(g)
            if gi is not None:
                tg[gi] = v
        hidden[0].append(ta)
        hidden[1].append(tg)
        oa, og = np.zeros(len(actors)), np.zeros(len(genres))
        for name, v in observed[u].items():
            if name.startswith("actor_") and name[6:] in aix:
                oa[aix[name[6:]]] = v
            elif name.startswith("genre_") and name[6:] in gix:
                og[gix[name[6:]]] = v
        total, sa, sg = sums(plays[u])
        values = {
            "request": (oa, og),
            "profile": (sa / (total + 1), sg / (total + 1)),
            "excess": (np.maximum(sa / (total + 1) - base[0], 0), np.maximum(sg / (total + 1) - base[1], 0)),
            "z": (np.maximum((sa - total * base[0]) / np.sqrt(total * base[0] + 1), 0),
                  np.maximum((sg - total * base[1]) / np.sqrt(total * base[1] + 1), 0)),
            "fitted": (fitted[i, : len(actors)], fitted[i, len(actors):]),
        }
        for e in estimators:
            est[e][0].append(values[e][0])
            est[e][1].append(values[e][1])

    def auc(liked, score):
        ranks = rankdata(score)
        n_pos = int(liked.sum())
        n_neg = len(liked) - n_pos
        return (ranks[liked].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)

    print(f"{len(viewers)} viewers, {np.mean([len(plays[u]) for u in viewers]):.1f} plays each on average")
    print(f"{'estimate':10s} {'actors: corr':>13s} {'AUC':>6s} {'genres: corr':>13s} {'AUC':>6s}")
    hidden_a, hidden_g = np.concatenate(hidden[0]), np.concatenate(hidden[1])
    for e in estimators:
        ea, eg = np.concatenate(est[e][0]), np.concatenate(est[e][1])
        print(f"{e:10s} {np.corrcoef(hidden_a, ea)[0, 1]:13.3f} {auc(hidden_a > 0, ea):6.3f} "
              f"{np.corrcoef(hidden_g, eg)[0, 1]:13.3f} {auc(hidden_g > 0, eg):6.3f}")


if __name__ == "__main__":
    main()
