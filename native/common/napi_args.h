// Argument checks shared by the addon's N-API files (the TS edge validated already; these only
// guard each cast before it is made).
#ifndef MERKLE_COMMON_NAPI_ARGS_H_
#define MERKLE_COMMON_NAPI_ARGS_H_

#include <napi.h>

namespace merkle {

// IsCount accepts a non-negative integer Number exactly representable as a double (≤ 2^53 − 1).
inline bool IsCount(const Napi::Value& v) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  return d >= 0 && d <= 9007199254740991.0 && d == static_cast<double>(static_cast<int64_t>(d));
}

}  // namespace merkle

#endif  // MERKLE_COMMON_NAPI_ARGS_H_
