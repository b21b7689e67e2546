// Face detection and cast identification on the real images of the artwork
// set, checked against truth.json: every face on the posters found, no face
// on the negatives, the dominant face and the identities as labelled.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "artwork_data.h"
#include "keyart/artwork/errors.h"

namespace keyart::testing {
namespace {

using nlohmann::json;

// A detection hits a labelled face when its centre lies inside the region.
int count_hits(const artwork::FeatureRecord& r, const json& face_list,
               std::vector<std::optional<std::string>>* matched_people = nullptr) {
  std::vector<bool> used(r.faces.size(), false);
  int hits = 0;
  for (const json& labelled : face_list) {
    auto region = labelled.at("region").get<std::array<double, 4>>();
    for (size_t i = 0; i < r.faces.size(); ++i) {
      double cx = r.faces[i].box[0] + r.faces[i].box[2] / 2;
      double cy = r.faces[i].box[1] + r.faces[i].box[3] / 2;
      if (!used[i] && cx >= region[0] && cx <= region[0] + region[2] && cy >= region[1] &&
          cy <= region[1] + region[3]) {
        used[i] = true;
        ++hits;
        if (matched_people) matched_people->push_back(r.faces[i].actor_id);
        break;
      }
    }
  }
  return hits;
}

TEST(Faces, EveryPosterFaceFoundAndNoFalseFaces) {
  json truth = artwork_truth();
  int files = 0;
  for (const auto& [name, entry] : truth.items()) {
    if (name.rfind("posters/", 0) != 0) continue;
    auto path = artwork_data() / name;
    ASSERT_TRUE(std::filesystem::exists(path)) << name;
    SCOPED_TRACE(name);
    auto r = shared_extractor().extract(read_bytes(path));
    int expected = entry.at("faces").get<int>();
    EXPECT_EQ(count_hits(r, entry.at("face_list")), expected);
    EXPECT_EQ(static_cast<int>(r.faces.size()), expected) << "no extra detections";
    ++files;
  }
  EXPECT_EQ(files, 9);
}

TEST(Faces, NoFaceOnAnyNegative) {
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(artwork_data() / "negatives")) {
    SCOPED_TRACE(e.path().filename().string());
    auto r = shared_extractor().extract(read_bytes(e.path()));
    EXPECT_TRUE(r.faces.empty());
    EXPECT_EQ(r.arm.n_faces, 0);
    EXPECT_EQ(r.arm.featured_actor, "none");
    ++files;
  }
  EXPECT_EQ(files, 9);
}

TEST(Faces, FaceGeometryIsConsistent) {
  auto r = shared_extractor().extract(read_bytes(artwork_data() / "posters" / "p04_single_portrait.jpg"));
  ASSERT_EQ(r.faces.size(), 1u);
  const auto& f = r.faces[0];
  EXPECT_NEAR(f.area, f.box[2] * f.box[3] / (720.0 * 1080.0), 1e-3);
  EXPECT_NEAR(f.center_x, (f.box[0] + f.box[2] / 2) / 720.0, 1e-3);
  // truth region [89, 70, 541, 682]: centre x 359.5 of 720 -> middle column, y 411 of 1080 -> middle row
  EXPECT_EQ(f.third, "middle-center");
  // landmarks lie inside the box; the image-left eye is left of the other
  for (const auto& p : f.landmarks) {
    EXPECT_GE(p[0], f.box[0]);
    EXPECT_LE(p[0], f.box[0] + f.box[2]);
  }
  EXPECT_LT(f.landmarks[0][0], f.landmarks[1][0]);
  EXPECT_EQ(r.largest_face, 0);
  EXPECT_EQ(r.dominant_face, 0);
}

TEST(CastIdentification, PosterIdentitiesAndDominantActorAsLabelled) {
  json truth = artwork_truth();
  auto gallery = people_gallery();
  for (const std::string name : {"posters/p01_two_leads.jpg", "posters/p02_ensemble3.jpg",
                                 "posters/p03_lineup4.jpg", "posters/p04_single_portrait.jpg",
                                 "posters/p05_collage5.jpg", "posters/p06_small_faces.jpg",
                                 "posters/p08_astronaut_nasa.jpg", "posters/p09_camera_person.jpg"}) {
    SCOPED_TRACE(name);
    const json& entry = truth.at(name);
    auto r = shared_extractor().extract(read_bytes(artwork_data() / name), &gallery);
    std::vector<std::optional<std::string>> people;
    ASSERT_EQ(count_hits(r, entry.at("face_list"), &people), entry.at("faces").get<int>());
    for (size_t i = 0; i < people.size(); ++i) {
      const json& want = entry.at("face_list").at(i).at("person");
      if (want.is_null()) {
        EXPECT_FALSE(people[i].has_value()) << "a stranger matched " << people[i].value_or("");
      } else {
        EXPECT_EQ(people[i].value_or("unknown"), want.get<std::string>());
      }
    }
    const json& dominant = entry.at("dominant_person");
    EXPECT_EQ(r.arm.featured_actor, dominant.is_null() ? "none" : dominant.get<std::string>());
    EXPECT_TRUE(r.cast.identified);
  }
}

TEST(CastIdentification, PhotosOtherThanTheHeadshotMatchTheirPerson) {
  auto gallery = people_gallery();
  int photos = 0;
  for (const auto& dir : std::filesystem::directory_iterator(artwork_data() / "people")) {
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      if (file.path().filename() == "01.jpg") continue;
      SCOPED_TRACE(file.path().string());
      auto r = shared_extractor().extract(read_bytes(file.path()), &gallery);
      ASSERT_EQ(r.faces.size(), 1u);
      EXPECT_EQ(r.faces[0].actor_id.value_or("unknown"), dir.path().filename().string());
      EXPECT_LT(*r.faces[0].distance, 0.6);
      ++photos;
    }
  }
  EXPECT_GE(photos, 6);
}

TEST(CastIdentification, DominantShareBillingAndMinorGuard) {
  auto gallery = people_gallery("frl_030");
  auto r = shared_extractor().extract(read_bytes(artwork_data() / "posters" / "p02_ensemble3.jpg"), &gallery);
  ASSERT_EQ(r.cast.featured_actor.value_or(""), "frl_030");
  EXPECT_EQ(r.cast.featured_role.value_or(""), "minor");
  EXPECT_EQ(r.cast.featured_billing_order.value_or(0), 7);  // 7th folder in sorted order
  EXPECT_NEAR(r.cast.dominant_share, r.faces[0].area, 1e-9);
  EXPECT_EQ(r.cast.prominent_minor_actors, std::vector<std::string>{"frl_030"});
  EXPECT_EQ(r.cast.actors.size(), 3u);
  // A minor member on a small face in a poster led by someone else is not prominent.
  auto minor_small = people_gallery("frl_005");
  auto lead_poster = shared_extractor().extract(
      read_bytes(artwork_data() / "posters" / "p02_ensemble3.jpg"), &minor_small);
  EXPECT_TRUE(lead_poster.cast.prominent_minor_actors.empty());
}

TEST(CastIdentification, HeadshotNeedsExactlyOneFace) {
  try {
    shared_extractor().headshot_descriptor(read_bytes(artwork_data() / "negatives" / "n02_cat_chelsea.jpg"));
    FAIL();
  } catch (const artwork::ArtworkError& e) {
    EXPECT_EQ(e.reason(), artwork::Refusal::kNoFace);
  }
  try {
    shared_extractor().headshot_descriptor(read_bytes(artwork_data() / "posters" / "p01_two_leads.jpg"));
    FAIL();
  } catch (const artwork::ArtworkError& e) {
    EXPECT_EQ(e.reason(), artwork::Refusal::kSeveralFaces);
  }
  auto d = shared_extractor().headshot_descriptor(read_bytes(artwork_data() / "bad" / "jpeg_named.png"));
  EXPECT_EQ(d.size(), 128u);
}

}  // namespace
}  // namespace keyart::testing

namespace keyart::testing {
namespace {

// A large JPEG is decoded at reduced scale; faces, identities and boxes must
// come out as for the original, in the large image's pixels.
TEST(Faces, LargeJpegGivesTheSameFacesInItsOwnPixels) {
  cv::Mat image = cv::imread((artwork_data() / "posters" / "p01_two_leads.jpg").string()), big;
  cv::resize(image, big, cv::Size(2560, 1440), 0, 0, cv::INTER_CUBIC);
  std::vector<uint8_t> bytes;
  cv::imencode(".jpg", big, bytes, {cv::IMWRITE_JPEG_QUALITY, 92});
  auto gallery = people_gallery();
  auto small = shared_extractor().extract(read_bytes(artwork_data() / "posters" / "p01_two_leads.jpg"), &gallery);
  auto large = shared_extractor().extract(bytes, &gallery);
  EXPECT_EQ(large.image.width, 2560);
  EXPECT_EQ(large.image.height, 1440);
  ASSERT_EQ(large.faces.size(), small.faces.size());
  for (size_t i = 0; i < small.faces.size(); ++i) {
    for (int k = 0; k < 4; ++k) EXPECT_NEAR(large.faces[i].box[k], 2 * small.faces[i].box[k], 12.0) << i;
    EXPECT_NEAR(large.faces[i].area, small.faces[i].area, 0.01);
    EXPECT_EQ(large.faces[i].actor_id, small.faces[i].actor_id);
  }
  EXPECT_EQ(large.arm.featured_actor, "frl_004");
}

}  // namespace
}  // namespace keyart::testing
