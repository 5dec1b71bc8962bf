#include "binding/registry.h"
namespace dtlssrtp::binding { void InitSrtpBinding(Napi::Env, Napi::Object, Addon*) {} }
