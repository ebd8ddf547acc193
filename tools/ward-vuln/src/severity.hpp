// Severity of a vulnerability: the CVSS v3.x base score computed from its vector (or a score the
// record gives), mapped to the qualitative bands of the CVSS specification.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ward::vuln {

enum class Severity { none, low, medium, high, critical, unknown };

std::string_view to_string(Severity s);
// "low", "MODERATE", "important"... (the words databases use); std::nullopt for anything else.
std::optional<Severity> parse_severity(std::string_view word);
// none 0.0, low 0.1-3.9, medium 4.0-6.9, high 7.0-8.9, critical 9.0-10.0.
Severity severity_from_score(double score);
// For thresholds: unknown ranks with critical (a record without a usable severity fails closed).
int rank(Severity s);

// The base score of a CVSS v3.0 / v3.1 vector ("CVSS:3.1/AV:N/AC:L/..."). Temporal and
// environmental metrics are accepted and ignored (the base score is what records publish). On a
// malformed vector: std::nullopt, and *error says why.
std::optional<double> cvss3_base_score(std::string_view vector, std::string* error);

}  // namespace ward::vuln
