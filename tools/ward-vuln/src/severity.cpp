#include "severity.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>

namespace ward::vuln {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::none: return "none";
    case Severity::low: return "low";
    case Severity::medium: return "medium";
    case Severity::high: return "high";
    case Severity::critical: return "critical";
    case Severity::unknown: break;
  }
  return "unknown";
}

std::optional<Severity> parse_severity(std::string_view word) {
  std::string w;
  for (char c : word) w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (w == "none") return Severity::none;
  if (w == "low" || w == "negligible") return Severity::low;
  if (w == "medium" || w == "moderate") return Severity::medium;
  if (w == "high" || w == "important") return Severity::high;
  if (w == "critical") return Severity::critical;
  return std::nullopt;
}

Severity severity_from_score(double score) {
  if (score <= 0.0) return Severity::none;
  if (score < 4.0) return Severity::low;
  if (score < 7.0) return Severity::medium;
  if (score < 9.0) return Severity::high;
  return Severity::critical;
}

int rank(Severity s) { return s == Severity::unknown ? static_cast<int>(Severity::critical) : static_cast<int>(s); }

namespace {

// CVSS v3.1 Roundup: the smallest number with one decimal that is >= x, computed on integers so
// that floating-point noise (e.g. 4.000000000001) does not round up.
double roundup(double x) {
  const auto scaled = static_cast<std::int64_t>(std::llround(x * 100000.0));
  if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
  return (std::floor(static_cast<double>(scaled) / 10000.0) + 1.0) / 10.0;
}

}  // namespace

std::optional<double> cvss3_base_score(std::string_view vector, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<double> {
    if (error != nullptr) *error = "CVSS vector \"" + std::string(vector.substr(0, 120)) + "\": " + why;
    return std::nullopt;
  };
  constexpr std::string_view p30 = "CVSS:3.0/";
  constexpr std::string_view p31 = "CVSS:3.1/";
  if (vector.substr(0, p30.size()) != p30 && vector.substr(0, p31.size()) != p31) {
    return fail("does not start with CVSS:3.0/ or CVSS:3.1/");
  }
  std::string_view rest = vector.substr(p31.size());
  static const std::map<std::string, std::string> allowed = {
      {"AV", "NALP"}, {"AC", "LH"},    {"PR", "NLH"},   {"UI", "NR"},    {"S", "UC"},     {"C", "HLN"},
      {"I", "HLN"},   {"A", "HLN"},    {"E", "XUPFH"},  {"RL", "XOTWU"}, {"RC", "XURC"},  {"CR", "XLMH"},
      {"IR", "XLMH"}, {"AR", "XLMH"},  {"MAV", "XNALP"}, {"MAC", "XLH"}, {"MPR", "XNLH"}, {"MUI", "XNR"},
      {"MS", "XUC"},  {"MC", "XNLH"},  {"MI", "XNLH"},  {"MA", "XNLH"}};
  std::map<std::string, char> metrics;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (slash != std::string_view::npos && rest.empty()) return fail("ends with '/'");
    const std::size_t colon = part.find(':');
    if (colon == std::string_view::npos || colon + 2 != part.size()) {
      return fail("\"" + std::string(part) + "\" is not METRIC:VALUE");
    }
    const std::string key(part.substr(0, colon));
    const char value = part[colon + 1];
    auto it = allowed.find(key);
    if (it == allowed.end()) return fail("unknown metric " + key);
    if (it->second.find(value) == std::string::npos) return fail("invalid value " + std::string(part));
    if (!metrics.emplace(key, value).second) return fail("metric " + key + " given twice");
  }
  for (const char* base : {"AV", "AC", "PR", "UI", "S", "C", "I", "A"}) {
    if (metrics.find(base) == metrics.end()) return fail(std::string("base metric ") + base + " missing");
  }
  const bool changed = metrics["S"] == 'C';
  auto cia = [](char v) { return v == 'H' ? 0.56 : v == 'L' ? 0.22 : 0.0; };
  const double av = std::map<char, double>{{'N', 0.85}, {'A', 0.62}, {'L', 0.55}, {'P', 0.2}}[metrics["AV"]];
  const double ac = metrics["AC"] == 'L' ? 0.77 : 0.44;
  const char prv = metrics["PR"];
  const double pr = prv == 'N' ? 0.85 : prv == 'L' ? (changed ? 0.68 : 0.62) : (changed ? 0.5 : 0.27);
  const double ui = metrics["UI"] == 'N' ? 0.85 : 0.62;
  const double iss = 1.0 - (1.0 - cia(metrics["C"])) * (1.0 - cia(metrics["I"])) * (1.0 - cia(metrics["A"]));
  const double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  const double exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0.0) return 0.0;
  if (changed) return roundup(std::min(1.08 * (impact + exploitability), 10.0));
  return roundup(std::min(impact + exploitability, 10.0));
}

}  // namespace ward::vuln
