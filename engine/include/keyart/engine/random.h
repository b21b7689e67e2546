// Seeded randomness for decisions: xoshiro256** (Blackman and Vigna) seeded
// through splitmix64, with uniform, normal (Marsaglia's polar method), gamma
// (Marsaglia and Tsang) and beta variates. The same seed gives the same
// sequence on every platform (no std:: distributions, whose algorithms vary
// between standard libraries). Not thread-safe: one generator per thread or
// per decision.
#pragma once

#include <array>
#include <cstdint>

namespace keyart::engine {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }
  void reseed(uint64_t seed);

  uint64_t next();
  double uniform();  // in [0, 1), 53 random bits
  double normal();   // standard normal
  double gamma(double shape);  // Gamma(shape, 1), shape > 0
  double beta(double a, double b);

  std::array<uint64_t, 4> state() const { return s_; }
  void set_state(const std::array<uint64_t, 4>& s) { s_ = s; has_spare_ = false; }

 private:
  std::array<uint64_t, 4> s_{};
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace keyart::engine
