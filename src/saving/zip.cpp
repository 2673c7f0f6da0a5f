// zip.cpp — RAII over libzip for the .keras container.
#include "zip.hpp"

#include <zip.h>

#include <fstream>
#include <memory>

#include "temper/error.hpp"

namespace temper::io::zip {

namespace {

struct Discard {
  void operator()(zip_t* z) const noexcept { zip_discard(z); }
};
using ZipPtr = std::unique_ptr<zip_t, Discard>;

struct FileClose {
  void operator()(zip_file_t* f) const noexcept { zip_fclose(f); }
};
using ZipFilePtr = std::unique_ptr<zip_file_t, FileClose>;

std::string open_error(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

// Deflate cannot compress better than about 1032:1, so an entry claiming more is damaged (or a
// zip bomb); checked before its buffer is allocated.
void check_declared_size(const zip_stat_t& st, const std::string& path) {
  constexpr zip_uint64_t kMaxRatio = 1032;
  constexpr zip_uint64_t kSmall = zip_uint64_t{1} << 20;
  if (!(st.valid & ZIP_STAT_COMP_SIZE) || st.size <= kSmall) return;
  if (st.comp_size == 0 || st.size / kMaxRatio > st.comp_size)
    throw IOError("'" + std::string(st.name) + "' in '" + path + "' declares " + std::to_string(st.size) +
                  " bytes uncompressed from " + std::to_string(st.comp_size) +
                  " compressed bytes, more than deflate can produce: the file is corrupt");
}

}  // namespace

bool looks_like_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char sig[4] = {};
  in.read(sig, 4);
  return in.gcount() == 4 && sig[0] == 'P' && sig[1] == 'K' && sig[2] == 3 && sig[3] == 4;
}

void write_stored(const std::string& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  int err = 0;
  ZipPtr z(zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err));
  if (!z) throw IOError("cannot create the zip file '" + path + "': " + open_error(err));
  for (const auto& [name, bytes] : entries) {
    // The buffers outlive zip_close (they belong to the caller), so libzip need not copy them.
    zip_source_t* src = zip_source_buffer(z.get(), bytes.data(), bytes.size(), 0);
    if (src == nullptr) throw IOError("cannot add '" + name + "' to '" + path + "': " + zip_strerror(z.get()));
    const zip_int64_t idx = zip_file_add(z.get(), name.c_str(), src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (idx < 0) {
      zip_source_free(src);
      throw IOError("cannot add '" + name + "' to '" + path + "': " + zip_strerror(z.get()));
    }
    if (zip_set_file_compression(z.get(), static_cast<zip_uint64_t>(idx), ZIP_CM_STORE, 0) != 0)
      throw IOError("cannot store '" + name + "' uncompressed in '" + path + "': " + zip_strerror(z.get()));
  }
  if (zip_close(z.get()) != 0)
    throw IOError("cannot write the zip file '" + path + "': " + zip_strerror(z.get()) + " (disk full?)");
  (void)z.release();  // zip_close freed it
}

std::vector<std::pair<std::string, std::string>> read_all(const std::string& path) {
  int err = 0;
  ZipPtr z(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!z) {
    if (err == ZIP_ER_NOENT || err == ZIP_ER_OPEN)
      throw IOError("cannot open '" + path + "': " + open_error(err));
    throw IOError("'" + path + "' is not a valid .keras (zip) file: " + open_error(err) +
                  " (truncated or corrupt?)");
  }
  std::vector<std::pair<std::string, std::string>> out;
  const zip_int64_t n = zip_get_num_entries(z.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      throw IOError("cannot read entry " + std::to_string(i) + " of '" + path + "': " + zip_strerror(z.get()));
    check_declared_size(st, path);
    ZipFilePtr f(zip_fopen_index(z.get(), static_cast<zip_uint64_t>(i), 0));
    if (!f) throw IOError("cannot read '" + std::string(st.name) + "' in '" + path + "': " + zip_strerror(z.get()));
    std::string bytes(static_cast<std::size_t>(st.size), '\0');
    std::size_t got = 0;
    while (got < bytes.size()) {
      const zip_int64_t r = zip_fread(f.get(), bytes.data() + got, bytes.size() - got);
      if (r < 0)
        throw IOError("cannot read '" + std::string(st.name) + "' in '" + path + "': " +
                      zip_file_strerror(f.get()) + " (truncated or corrupt?)");
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    if (got != bytes.size())
      throw IOError("'" + std::string(st.name) + "' in '" + path + "' is truncated");
    char probe;
    if (zip_fread(f.get(), &probe, 1) < 0)  // reaching the end verifies the CRC
      throw IOError("'" + std::string(st.name) + "' in '" + path + "' is corrupt: " + zip_file_strerror(f.get()));
    out.emplace_back(st.name, std::move(bytes));
  }
  return out;
}

}  // namespace temper::io::zip
