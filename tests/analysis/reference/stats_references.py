#!/usr/bin/python3
"""Independent reference values for tests/analysis/stats_*.cc.

Run with Debian's python3 and python3-scipy (apt-get install python3-scipy):
    /usr/bin/python3 tests/analysis/reference/stats_references.py
Every figure the C++ tests compare against is printed here, computed with
SciPy's own routines or with closed forms that differ from the ones keyart
implements (e.g. Evan Miller's finite sum for P(B > A) instead of quadrature,
Monte Carlo for three arms). The numbers are hard-coded in the tests.
"""
import math

import numpy as np
from scipy import stats, special, integrate


def section(name):
    print(f"\n== {name}")


section("Wilson intervals (scipy.stats.binomtest(...).proportion_ci(method='wilson'))")
for k, n in [(81, 263), (15, 148), (0, 20), (1, 29), (29, 29), (512, 10000)]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    print(f"{k}/{n}: {ci.low:.12f} {ci.high:.12f}")
ci = stats.binomtest(81, 263).proportion_ci(confidence_level=0.90, method="wilson")
print(f"81/263 at 90%: {ci.low:.12f} {ci.high:.12f}")

section("Two-proportion z-test (scipy chi2_contingency, no continuity correction)")
for (sc, nc, st, nt) in [(200, 10000, 250, 10000), (30, 1000, 45, 1200)]:
    table = [[sc, nc - sc], [st, nt - st]]
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    sign = 1 if st / nt > sc / nc else -1
    print(f"{sc}/{nc} vs {st}/{nt}: z={sign * math.sqrt(chi2):.12f} p={p:.12e}")

section("Welch z-test for two means (normal approximation, by formula with scipy's norm)")
mc, vc, mt, vt = 1.20, 0.0025, 1.32, 0.0036
z = (mt - mc) / math.sqrt(vc + vt)
print(f"z={z:.12f} p={2 * stats.norm.sf(abs(z)):.12e}")

section("Relative lift, delta method on the ratio (hand formula)")
pc, nc, pt, nt = 200 / 10000, 10000, 250 / 10000, 10000
vc, vt = pc * (1 - pc) / nc, pt * (1 - pt) / nt
lift = pt / pc - 1
se = math.sqrt(vt / pc**2 + pt**2 * vc / pc**4)
zq = stats.norm.ppf(0.975)
print(f"lift={lift:.12f} se={se:.12f} ci=({lift - zq * se:.12f}, {lift + zq * se:.12f})")

section("Clustered rate, Deng et al. 2018 delta method with numpy sample (co)variances")
n = np.array([1, 3, 2, 5, 1, 4, 2, 7], dtype=float)
y = np.array([0, 1, 0, 2, 1, 1, 0, 3], dtype=float)
K = len(n)
R = y.sum() / n.sum()
cov = np.cov(np.vstack([y, n]), ddof=1)
var = (cov[0, 0] - 2 * R * cov[0, 1] + R**2 * cov[1, 1]) / (K * n.mean() ** 2)
print(f"R={R:.12f} var={var:.12e}")
# The same data as independent exposures (every click a 1, others 0).
N = n.sum()
r = np.concatenate([np.r_[np.ones(int(yy)), np.zeros(int(nn - yy))] for nn, yy in zip(n, y)])
print(f"naive var={r.var(ddof=1) / N:.12e}")
share = (y > 0).mean()
print(f"share={share:.12f} var={share * (1 - share) / K:.12e}")
print(f"per unit={y.mean():.12f} var={y.var(ddof=1) / K:.12e}")

section("Bayesian chance to beat (Evan Miller's closed form, log-space sum)")


def prob_b_beats_a(aA, bA, aB, bB):
    total = 0.0
    for i in range(int(aB)):
        total += math.exp(special.betaln(aA + i, bA + bB) - math.log(bB + i)
                          - special.betaln(1 + i, bB) - special.betaln(aA, bA))
    return total


for (sc, nc, st, nt) in [(200, 10000, 250, 10000), (10, 100, 12, 100), (0, 50, 0, 50),
                         (1500, 50000, 1580, 50000)]:
    aA, bA, aB, bB = 1 + sc, 1 + nc - sc, 1 + st, 1 + nt - st
    print(f"{st}/{nt} beats {sc}/{nc}: {prob_b_beats_a(aA, bA, aB, bB):.12f}")

section("Expected loss, two arms (Stucchio 2015 closed form via Miller's h)")


def h(a, b, c, d):  # P(X_{c,d} > X_{a,b})
    return prob_b_beats_a(a, b, c, d)


def loss(aA, bA, aB, bB):
    """E[max(pB - pA, 0)]: expected loss of choosing A."""
    t1 = math.exp(special.betaln(aB + 1, bB) - special.betaln(aB, bB)) * h(aA, bA, aB + 1, bB)
    t2 = math.exp(special.betaln(aA + 1, bA) - special.betaln(aA, bA)) * h(aA + 1, bA, aB, bB)
    return t1 - t2


for (sc, nc, st, nt) in [(200, 10000, 250, 10000), (10, 100, 12, 100)]:
    aA, bA, aB, bB = 1 + sc, 1 + nc - sc, 1 + st, 1 + nt - st
    print(f"control {sc}/{nc}, treatment {st}/{nt}: loss(control)={loss(aA, bA, aB, bB):.12e} "
          f"loss(treatment)={loss(aB, bB, aA, bA):.12e}")

section("Chance to be best and expected loss, three arms (Monte Carlo, 4e7 draws, seed 7)")
rng = np.random.default_rng(7)
arms = [(100, 2000), (120, 2000), (110, 2000)]
draws = 40_000_000
best = np.zeros(3)
max_sum = 0.0
means = np.zeros(3)
chunk = 4_000_000
for _ in range(draws // chunk):
    x = np.vstack([rng.beta(1 + s, 1 + n - s, size=chunk) for s, n in arms])
    best += np.bincount(x.argmax(axis=0), minlength=3)
    m = x.max(axis=0)
    max_sum += m.sum()
    means += x.sum(axis=1)
print("best:", " ".join(f"{b / draws:.5f}" for b in best))
print("loss:", " ".join(f"{(max_sum - mm) / draws:.7f}" for mm in means))
print("(MC standard error of a probability near 0.5: ",
      f"{math.sqrt(0.25 / draws):.1e})")
# Same quantities by scipy quadrature over the exact Beta densities.
dists = [stats.beta(1 + s, 1 + n - s) for s, n in arms]
for i in range(3):
    f = lambda x, i=i: dists[i].pdf(x) * np.prod([d.cdf(x) for j, d in enumerate(dists) if j != i])
    print(f"quad best[{i}] = {integrate.quad(f, 0, 0.2, points=[0.05, 0.06], limit=200)[0]:.10f}")

section("Normal posteriors: chance to beat = Phi((mt - mc) / sqrt(sc^2 + st^2))")
print(f"{stats.norm.cdf((1.32 - 1.20) / math.sqrt(0.05**2 + 0.06**2)):.12f}")

section("Sample ratio mismatch (scipy.stats.chisquare)")
for obs, shares in [([50500, 49500], [0.5, 0.5]), ([10120, 10050, 9830], [1/3, 1/3, 1/3]),
                    ([5000, 10400], [1/3, 2/3])]:
    total = sum(obs)
    chi, p = stats.chisquare(obs, [total * s for s in shares])
    print(f"{obs}: chi2={chi:.12f} p={p:.12e}")

section("mSPRT (Johari et al. 2017 eq. for normal mixture, by hand)")
for d, v, tau, alpha in [(0.004, 1e-6, 0.01, 0.05), (0.001, 4e-6, 0.01, 0.05)]:
    t2 = tau * tau
    lam = math.sqrt(v / (v + t2)) * math.exp(t2 * d * d / (2 * v * (v + t2)))
    half = math.sqrt(2 * v * (v + t2) / t2 * (math.log(1 / alpha) + 0.5 * math.log((v + t2) / v)))
    print(f"d={d} V={v} tau={tau}: Lambda={lam:.12e} p={min(1, 1 / lam):.12e} "
          f"cs=({d - half:.12f}, {d + half:.12f})")

section("Power (Fleiss eq. 4.14 without continuity correction, by hand with scipy's norm)")


def n_fleiss(p1, p2, alpha, power, k=1.0):
    pbar = (p1 + k * p2) / (1 + k)
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    return (za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / k)) +
            zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / k)) ** 2 / (p2 - p1) ** 2


print(f"p1=.5 p2=.75 power=.9: n={n_fleiss(0.5, 0.75, 0.05, 0.9):.10f} (R docs: 76.7)")
print(f"p1=.05 p2=.055 power=.8: n={n_fleiss(0.05, 0.055, 0.05, 0.8):.10f}")
print(f"p1=.05 p2=.06 power=.8 k=2: n1={n_fleiss(0.05, 0.06, 0.05, 0.8, 2.0):.10f}")
# Power at n = 1000 for p1 = 0.1, p2 = 0.13 (R: power.prop.test(n=1000, p1=.1, p2=.13)).
p1, p2, nn = 0.1, 0.13, 1000
za = stats.norm.ppf(0.975)
pw = stats.norm.cdf((math.sqrt(nn) * abs(p2 - p1) - za * math.sqrt((p1 + p2) * (2 - p1 - p2) / 2))
                    / math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)))
print(f"power n=1000 p1=.1 p2=.13: {pw:.12f}")

section("Off-policy estimators on a tiny log (by hand)")
# rows: reward, logging propensity, target probability, q(x, a_logged), sum_a pi q
rows = [(1, 0.5, 1.0, 0.6, 0.7), (0, 0.25, 0.0, 0.2, 0.7), (1, 0.25, 1.0, 0.5, 0.5),
        (0, 0.5, 1.0, 0.4, 0.4), (1, 0.1, 0.5, 0.3, 0.35)]
r = np.array([x[0] for x in rows], float)
p = np.array([x[1] for x in rows], float)
pi = np.array([x[2] for x in rows], float)
q = np.array([x[3] for x in rows], float)
vq = np.array([x[4] for x in rows], float)
w = pi / p
ips = (w * r).mean(); ips_se = (w * r).std(ddof=1) / math.sqrt(len(r))
snips = (w * r).sum() / w.sum()
snips_se = math.sqrt(((w ** 2) * (r - snips) ** 2).sum()) / w.sum()
dr_terms = vq + w * (r - q)
dr = dr_terms.mean(); dr_se = dr_terms.std(ddof=1) / math.sqrt(len(r))
ess = w.sum() ** 2 / (w ** 2).sum()
print(f"ips={ips:.12f} se={ips_se:.12f}\nsnips={snips:.12f} se={snips_se:.12f}\n"
      f"dr={dr:.12f} se={dr_se:.12f}\ness={ess:.12f} mean_w={w.mean():.12f}")
wc = np.minimum(w, 3.0)
print(f"clipped at 3: ips={(wc * r).mean():.12f} clipped={(w > 3).sum()} "
      f"ess={wc.sum() ** 2 / (wc ** 2).sum():.12f}")

section("Large counts: 251000/5e6 vs 250000/5e6 (Miller's sum; 3 arms by scipy quad)")
aA, bA, aB, bB = 1 + 250000, 1 + 5000000 - 250000, 1 + 251000, 1 + 5000000 - 251000
print(f"P(B > A) = {prob_b_beats_a(aA, bA, aB, bB):.12f}")
dists = [stats.beta(aA, bA), stats.beta(aA, bA), stats.beta(aB, bB)]
f = lambda x: dists[2].pdf(x) * dists[0].cdf(x) * dists[1].cdf(x)
print(f"best[2] = {integrate.quad(f, 0.0495, 0.0511, points=[0.0502], limit=400)[0]:.10f}")

section("Report fixture A: control 50/1000, treatment 70/1000, one exposure per viewer")
for k, n in [(50, 1000), (70, 1000)]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    print(f"wilson {k}/{n}: {ci.low:.12f} {ci.high:.12f}")
chi2, p, _, _ = stats.chi2_contingency([[50, 950], [70, 930]], correction=False)
print(f"p={p:.12e}")
pc, pt = 0.05, 0.07
vc, vt = pc * (1 - pc) / 999, pt * (1 - pt) / 999   # s^2/n with the unbiased s^2
se = math.sqrt(vt / pc**2 + pt**2 * vc / pc**4)
print(f"lift={pt / pc - 1:.12f} ci=({pt / pc - 1 - zq * se:.12f}, {pt / pc - 1 + zq * se:.12f})")
print(f"P(beat)={prob_b_beats_a(51, 951, 71, 931):.12f}")
print(f"loss control={loss(51, 951, 71, 931):.12e} treatment={loss(71, 931, 51, 951):.12e}")

section("Report fixture B: 100/2000, 120/2000, 110/2000; Holm over the two z-tests")
ps = []
for st_ in (120, 110):
    chi2, p, _, _ = stats.chi2_contingency([[100, 1900], [st_, 2000 - st_]], correction=False)
    ps.append(p)
print("raw", " ".join(f"{p:.12e}" for p in ps))
order = sorted(range(2), key=lambda i: ps[i])
holm = [0, 0]
running = 0
for rank, i in enumerate(order):
    running = max(running, min(1, (2 - rank) * ps[i]))
    holm[i] = running
print("holm", " ".join(f"{p:.12e}" for p in holm))

section("Report fixture C: clustered (Deng et al. delta method with numpy), Welch z")
def clustered(n, y):
    n, y = np.array(n, float), np.array(y, float)
    K = len(n); R = y.sum() / n.sum()
    cov = np.cov(np.vstack([y, n]), ddof=1)
    return R, (cov[0, 0] - 2 * R * cov[0, 1] + R**2 * cov[1, 1]) / (K * n.mean() ** 2)
Rc, Vc = clustered([1, 3, 2, 5, 1, 4, 2, 7], [0, 1, 0, 2, 1, 1, 0, 3])
Rt, Vt = clustered([2] * 10, [1, 0, 0, 1, 0, 0, 0, 1, 0, 0])
print(f"control R={Rc:.12f} V={Vc:.12e}; treatment R={Rt:.12f} V={Vt:.12e}")
z = (Rt - Rc) / math.sqrt(Vc + Vt)
print(f"z={z:.12f} p={2 * stats.norm.sf(abs(z)):.12e}")
se = math.sqrt(Vt / Rc**2 + Rt**2 * Vc / Rc**4)
print(f"lift={Rt / Rc - 1:.12f} ci=({Rt / Rc - 1 - zq * se:.12f}, {Rt / Rc - 1 + zq * se:.12f})")
# Wilson on the effective sample size n / deff, deff = V_clustered / V_independent.
for name, n, y, R, V in [("control", [1, 3, 2, 5, 1, 4, 2, 7], [0, 1, 0, 2, 1, 1, 0, 3], Rc, Vc),
                         ("treatment", [2] * 10, [1, 0, 0, 1, 0, 0, 0, 1, 0, 0], Rt, Vt)]:
    N = sum(n)
    v_ind = R * (1 - R) * N / (N - 1) / N
    neff = N / (V / v_ind)
    # Wilson's formula at a non-integer n (SciPy's binomtest needs integers).
    centre = (R + zq**2 / (2 * neff)) / (1 + zq**2 / neff)
    half = zq / (1 + zq**2 / neff) * math.sqrt(R * (1 - R) / neff + zq**2 / (4 * neff**2))
    print(f"{name}: n_eff={neff:.12f} wilson=({centre - half:.12f}, {centre + half:.12f})")

section("Off-policy report fixture: DR with the documented cross-fitted cell-mean model")
# (exposure id, logged variant, device, reward, propensity); candidates v1, v2, v3
# everywhere; target policy fixed:v2. Odd ids are scored with the model fitted
# on even ids and vice versa; q(v, d) = (S_vd + 10 q(v)) / (N_vd + 10),
# q(v) = (S_v + 10 g) / (N_v + 10), g = overall mean of the half.
log = [(1, "v1", "tv", 1, 0.5), (2, "v2", "tv", 1, 0.25), (3, "v2", "mobile", 0, 0.25),
       (4, "v3", "mobile", 1, 0.25), (5, "v2", "tv", 1, 0.25), (6, "v1", "mobile", 0, 0.5),
       (7, "v3", "tv", 0, 0.25), (8, "v2", "mobile", 1, 0.25), (9, "v1", "tv", 0, 0.5),
       (10, "v2", "tv", 0, 0.25)]
M = 10


def fit(rows):
    g = sum(r[3] for r in rows) / len(rows)
    def q(v, d):
        nv = sum(1 for r in rows if r[1] == v); sv = sum(r[3] for r in rows if r[1] == v)
        qv = (sv + M * g) / (nv + M)
        nc = sum(1 for r in rows if r[1] == v and r[2] == d)
        sc = sum(r[3] for r in rows if r[1] == v and r[2] == d)
        return (sc + M * qv) / (nc + M)
    return q


q_even = fit([r for r in log if r[0] % 2 == 0])
q_odd = fit([r for r in log if r[0] % 2 == 1])
ips_terms, dr_terms, w_all = [], [], []
for (i, v, d, r, p) in log:
    q = q_even if i % 2 == 1 else q_odd
    w = (1.0 if v == "v2" else 0.0) / p
    w_all.append(w)
    ips_terms.append(w * r)
    dr_terms.append(q("v2", d) + w * (r - q(v, d)))
n = len(log)
ips = sum(ips_terms) / n
dr = sum(dr_terms) / n
dr_se = np.std(dr_terms, ddof=1) / math.sqrt(n)
snips = sum(ips_terms) / sum(w_all)
print(f"ips={ips:.12f} snips={snips:.12f} dr={dr:.12f} dr_se={dr_se:.12f}")
