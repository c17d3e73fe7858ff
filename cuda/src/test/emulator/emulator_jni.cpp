// emulator_jni.cpp: the JNI side of bert4j.cuda.EmulatedDevice (test sources): host memory standing
// in for device memory, copies, and launches of the emulated kernels by name. build-emulator.sh
// compiles it after the kernels in one translation unit, with KERNEL(name) lines for every
// extern "C" kernel defined there, so the registry below can call them with typed arguments.
#include <jni.h>

#include <map>
#include <string>
#include <utility>

namespace {

using Launcher = void (*)(void** args);

template <typename... A, size_t... I>
void invoke(void (*kernel)(A...), void** args, std::index_sequence<I...>) {
  kernel(*static_cast<std::remove_reference_t<A>*>(args[I])...);
}

// Calls `kernel` with its arguments read from the launch's 8-byte slots, as cuLaunchKernel does.
template <typename... A>
void call(void (*kernel)(A...), void** args) {
  invoke(kernel, args, std::index_sequence_for<A...>());
}

const std::map<std::string, Launcher>& registry() {
#define KERNEL(name) {#name, [](void** args) { call(&name, args); }},
  static const std::map<std::string, Launcher> kernels = {
#include "registry.inc"
  };
#undef KERNEL
  return kernels;
}

struct Launch {
  Launcher launcher;
  void** args;
};

void body(void* launch) {
  Launch* l = static_cast<Launch*>(launch);
  l->launcher(l->args);
}

void throw_illegal_argument(JNIEnv* env, const std::string& message) {
  env->ThrowNew(env->FindClass("java/lang/IllegalArgumentException"), message.c_str());
}

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_bert4j_cuda_EmulatedDevice_allocateNative(JNIEnv*, jclass,
                                                                       jlong bytes) {
  return (jlong) calloc(bytes > 0 ? bytes : 1, 1);
}

JNIEXPORT void JNICALL Java_bert4j_cuda_EmulatedDevice_freeNative(JNIEnv*, jclass, jlong address) {
  free((void*) address);
}

JNIEXPORT void JNICALL Java_bert4j_cuda_EmulatedDevice_copyInNative(JNIEnv* env, jclass,
                                                                    jobject array, jlong offset,
                                                                    jlong address, jlong bytes) {
  void* host = env->GetPrimitiveArrayCritical((jarray) array, nullptr);
  memcpy((void*) address, (char*) host + offset, bytes);
  env->ReleasePrimitiveArrayCritical((jarray) array, host, JNI_ABORT);
}

JNIEXPORT void JNICALL Java_bert4j_cuda_EmulatedDevice_copyOutNative(JNIEnv* env, jclass,
                                                                     jlong address, jobject array,
                                                                     jlong offset, jlong bytes) {
  void* host = env->GetPrimitiveArrayCritical((jarray) array, nullptr);
  memcpy((char*) host + offset, (void*) address, bytes);
  env->ReleasePrimitiveArrayCritical((jarray) array, host, 0);
}

JNIEXPORT void JNICALL Java_bert4j_cuda_EmulatedDevice_launchNative(
    JNIEnv* env, jclass, jstring name, jint gx, jint gy, jint gz, jint threads, jobject slots) {
  const char* chars = env->GetStringUTFChars(name, nullptr);
  std::string kernel(chars);
  env->ReleaseStringUTFChars(name, chars);
  auto found = registry().find(kernel);
  if (found == registry().end()) {
    throw_illegal_argument(env, "no emulated kernel named " + kernel);
    return;
  }
  char* base = static_cast<char*>(env->GetDirectBufferAddress(slots));
  jlong capacity = env->GetDirectBufferCapacity(slots);
  std::vector<void*> args(capacity / 8);
  for (size_t i = 0; i < args.size(); i++) args[i] = base + 8 * i;
  Launch launch{found->second, args.data()};
  emu::launch(dim3(gx, gy, gz), dim3(threads), body, &launch);
}

}  // extern "C"
