// heap_stress_new.cpp - C++ new and delete for heap_stress.c (they reach
// malloc and free through libstdc++): a small vector-and-string workout
// whose result depends only on the seed.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

extern "C" uint64_t stress_cxx(uint64_t seed)
{
    std::vector<std::unique_ptr<std::string>> v;
    uint64_t sum = 0;
    for (unsigned i = 0; i < 8 + seed % 24; i++) {
        v.push_back(std::make_unique<std::string>(16 + (seed >> i) % 200, char('a' + i % 26)));
        sum += v.back()->size();
    }
    auto *arr = new uint64_t[64 + seed % 512];
    arr[0] = seed;
    sum += arr[0] % 7;
    delete[] arr;
    return sum;
}
