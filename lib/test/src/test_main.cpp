// main() of a test image: runs every registered test case and exits with the verdict.
#include "ward/test.hpp"

int main() { return ward::test::finish(ward::test::run_all()); }
