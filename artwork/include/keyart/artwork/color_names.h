// Colour buckets: names a CIE L*a*b* colour with one of the eight buckets the
// engine and the workload share: red, orange, yellow, green, blue, purple,
// black, white. Rules, in order: L* < 20 -> black; chroma C* = hypot(a*, b*)
// < 12 (a grey) -> black when L* < 50, else white; L* > 92 and C* < 20 ->
// white; otherwise by hue angle h = atan2(b*, a*) in degrees, 0..360:
// [350, 50) red, [50, 80) orange, [80, 115) yellow, [115, 190) green,
// [190, 310) blue, [310, 350) purple. (sRGB red is at 40, orange 73,
// yellow 103, green 136, cyan 196, blue 306, magenta 328.)
#pragma once

#include <array>
#include <string>
#include <vector>

namespace keyart::artwork {

const std::vector<std::string>& color_bucket_names();  // the eight, in the order above
std::string color_bucket(double L, double a, double b);

}  // namespace keyart::artwork
