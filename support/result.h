// Result<T>: "this stage could not run" (I/O, LLVM, libbpf, the kernel).
// User errors in a script go to Diagnostics instead. Deliberately not LLVM's
// Expected, so the runtime never needs LLVM to report a failure.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sonde {

struct Error {
  std::string message;  // one line, says what failed and on what
  std::string hint;     // what the user can do about it; may be empty
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message, std::string hint = {}) {
  return Error{std::move(message), std::move(hint)};
}

}  // namespace sonde
