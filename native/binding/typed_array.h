// SPDX-License-Identifier: MIT
// Reading a typed-array argument, shared by the bindings that take packets.
#pragma once

#include <node_api.h>

#include <cstddef>

#include "core/srtp_context.h"

namespace dtlssrtp::binding {

// A typed array's bytes, through one napi call (which also rejects anything
// that is not a typed array). With `kind`, also whether its memory is a
// SharedArrayBuffer's (napi_is_arraybuffer is false for those), which
// another thread may change while we run.
inline bool GetTypedArray(napi_env env, napi_value value, napi_typedarray_type want, void** data, size_t* elements,
                          core::BufferKind* kind = nullptr) {
  napi_typedarray_type type;
  napi_value arraybuffer;
  // No byte offset (`data` already includes it): one V8 call less per packet.
  if (napi_get_typedarray_info(env, value, &type, elements, data, &arraybuffer, nullptr) != napi_ok) return false;
  if (type != want) return false;
  if (kind != nullptr) {
    bool plain = false;
    if (napi_is_arraybuffer(env, arraybuffer, &plain) != napi_ok) return false;
    *kind = plain ? core::BufferKind::kPrivate : core::BufferKind::kShared;
  }
  return true;
}

}  // namespace dtlssrtp::binding
