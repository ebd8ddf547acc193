// Records that name no product in structured form: NVD entries not analysed yet ("Awaiting
// Analysis", "Received", "Deferred": no configurations) and OSV records without "affected". They
// cannot be matched by identity and version, but ignoring them would fail open: a new critical
// record for Mbed TLS usually waits days to weeks for NVD's analysis. Such a record is "needs
// review" for a component when
//   - the product map lists its id (or an alias) for the component (an explicit decision), or
//   - its text names the component: its SBOM name, a CPE product of it ("mbed_tls" as "mbed tls"),
//     or one of the names the product map gives it (e.g. "Mbed TLS", "PolarSSL"); whole words,
//     case and punctuation ignored.
// A product map entry with an empty list says the record concerns none of the components (its text
// is then not searched). Structured data of another record of the same vulnerability (an OSV record
// with the CVE as alias) settles it instead (match.cpp).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "records.hpp"
#include "sbom.hpp"

namespace ward::vuln {

struct ProductMap {
  std::string file;
  std::map<std::string, std::vector<std::string>> names;            // component -> names in advisories
  std::map<std::string, std::vector<std::string>> vulnerabilities;  // id or alias -> components
};

// security/products.json: {"names": {"mbedtls": ["Mbed TLS"]}, "vulnerabilities": {"CVE-...": ["mbedtls"]}}
ProductMap parse_product_map(const std::string& file, std::string_view text);

// Why a record without product data concerns the component ("" when it does not).
std::string review_reason(const Vulnerability& v, const Component& c, const ProductMap& map);

}  // namespace ward::vuln
