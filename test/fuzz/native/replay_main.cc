// SPDX-License-Identifier: MIT
// A main() for the fuzz targets without libFuzzer: runs each file named on the
// command line (or each file in a named directory) through
// LLVMFuzzerTestOneInput once, so that the committed corpora replay with any
// compiler (the corpus replay test in `npm test`). Prints "replayed N inputs".

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

bool ReadFile(const std::string& name, std::vector<uint8_t>* out) {
  FILE* f = std::fopen(name.c_str(), "rb");
  if (f == nullptr) return false;
  uint8_t chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) out->insert(out->end(), chunk, chunk + n);
  const bool ok = std::ferror(f) == 0;
  std::fclose(f);
  return ok;
}

void Collect(const std::string& name, std::vector<std::string>* files) {
  struct stat st;
  if (stat(name.c_str(), &st) != 0) return;
  if (!S_ISDIR(st.st_mode)) {
    files->push_back(name);
    return;
  }
  DIR* dir = opendir(name.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> entries;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') entries.push_back(name + "/" + e->d_name);
  }
  closedir(dir);
  std::sort(entries.begin(), entries.end());
  for (const auto& entry : entries) Collect(entry, files);
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) Collect(argv[i], &files);
  size_t count = 0;
  for (const auto& name : files) {
    std::vector<uint8_t> data;
    if (!ReadFile(name, &data)) {
      std::fprintf(stderr, "cannot read %s\n", name.c_str());
      return 2;
    }
    // An exact-size heap copy, as libFuzzer passes it, so overreads are caught.
    std::unique_ptr<uint8_t[]> block(new uint8_t[data.empty() ? 1 : data.size()]);
    if (!data.empty()) std::memcpy(block.get(), data.data(), data.size());
    LLVMFuzzerTestOneInput(block.get(), data.size());
    ++count;
  }
  std::printf("replayed %zu inputs\n", count);
  return 0;
}
