// cuda_emulator.h: just enough CUDA C++ to run bert4j's kernels on a CPU, so that they can be
// tested where there is no GPU. Compile a .cu file as C++ with this header forced in front
// (g++ -x c++ -include cuda_emulator.h) and call emu::launch.
//
// Blocks run one after another. The threads of a block run as fibers (ucontext) on the calling
// thread and switch only at __syncthreads, __syncwarp and warp shuffles, so a kernel that is
// race-free on a GPU computes the same here on every run. A thread that returns leaves the block's
// and its warp's barriers, as on Volta and later. A barrier that can never complete (threads of one
// warp waiting at different barriers, or some at a block barrier others never reach) aborts with a
// message rather than hanging. __shared__ variables are function statics, shared by the fibers of
// the running block. Math functions are the C library's; there is no fast-math.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <ucontext.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__ __attribute__((noinline))
#define __shared__ static
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __restrict__ __restrict

struct dim3 {
  unsigned x, y, z;
  dim3(unsigned x = 1, unsigned y = 1, unsigned z = 1) : x(x), y(y), z(z) {}
};

inline dim3 threadIdx;
inline dim3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

using std::min;

namespace emu {

enum class State { Runnable, BlockBarrier, WarpBarrier, Done };

struct Fiber {
  ucontext_t context;
  std::vector<char> stack;
  State state = State::Runnable;
  unsigned generation = 0;  // warp barriers passed, selects the shuffle buffer
};

struct Block {
  std::vector<Fiber> fibers;
  ucontext_t scheduler;
  int current = 0;
  void (*body)(void*) = nullptr;
  void* arg = nullptr;
  // Shuffle exchange: two buffers per warp, alternating by barrier generation.
  std::vector<uint64_t> exchange;
};

inline Block block;

inline void trampoline() {
  block.body(block.arg);
  block.fibers[block.current].state = State::Done;
  swapcontext(&block.fibers[block.current].context, &block.scheduler);
}

inline void wait(State state) {
  Fiber& f = block.fibers[block.current];
  f.state = state;
  swapcontext(&f.context, &block.scheduler);
}

// Releases completed barriers; false when nothing can run any more but some fiber is not done.
inline bool release() {
  int n = (int) block.fibers.size();
  bool waiting = false;
  bool block_ready = true;
  for (auto& f : block.fibers) {
    if (f.state == State::Runnable) return true;
    if (f.state != State::Done) waiting = true;
    if (f.state == State::WarpBarrier) block_ready = false;
  }
  if (!waiting) return true;
  bool released = false;
  for (int w = 0; w * 32 < n; w++) {
    bool ready = true;
    bool any = false;
    for (int t = w * 32; t < std::min(n, w * 32 + 32); t++) {
      State s = block.fibers[t].state;
      if (s == State::WarpBarrier) any = true;
      else if (s != State::Done) ready = false;
    }
    if (any && ready) {
      for (int t = w * 32; t < std::min(n, w * 32 + 32); t++) {
        Fiber& f = block.fibers[t];
        if (f.state == State::WarpBarrier) {
          f.state = State::Runnable;
          f.generation++;
        }
      }
      released = true;
    }
  }
  if (released) return true;
  if (block_ready) {
    for (auto& f : block.fibers)
      if (f.state == State::BlockBarrier) f.state = State::Runnable;
    return true;
  }
  return false;
}

inline void run_block(unsigned threads, void (*body)(void*), void* arg) {
  block.body = body;
  block.arg = arg;
  if (block.fibers.size() != threads) block.fibers = std::vector<Fiber>(threads);
  block.exchange.assign(2 * ((threads + 31) / 32) * 32, 0);
  for (unsigned t = 0; t < threads; t++) {
    Fiber& f = block.fibers[t];
    if (f.stack.empty()) f.stack.resize(256 * 1024);
    f.state = State::Runnable;
    f.generation = 0;
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack.data();
    f.context.uc_stack.ss_size = f.stack.size();
    f.context.uc_link = nullptr;
    makecontext(&f.context, trampoline, 0);
  }
  for (;;) {
    bool ran = false;
    for (unsigned t = 0; t < threads; t++) {
      if (block.fibers[t].state != State::Runnable) continue;
      block.current = (int) t;
      threadIdx = dim3(t % blockDim.x, t / blockDim.x % blockDim.y, t / (blockDim.x * blockDim.y));
      swapcontext(&block.scheduler, &block.fibers[t].context);
      ran = true;
    }
    bool done = true;
    for (auto& f : block.fibers) done = done && f.state == State::Done;
    if (done) return;
    if (!release() && !ran) {
      std::fprintf(stderr, "cuda emulator: deadlock in block (%u, %u, %u): threads wait at "
                   "barriers that cannot complete\n", blockIdx.x, blockIdx.y, blockIdx.z);
      std::abort();
    }
  }
}

// Runs body(arg) for every thread of every block of the grid, blocks one after another.
inline void launch(dim3 grid, dim3 block_dim, void (*body)(void*), void* arg) {
  gridDim = grid;
  blockDim = block_dim;
  unsigned threads = block_dim.x * block_dim.y * block_dim.z;
  for (unsigned z = 0; z < grid.z; z++)
    for (unsigned y = 0; y < grid.y; y++)
      for (unsigned x = 0; x < grid.x; x++) {
        blockIdx = dim3(x, y, z);
        run_block(threads, body, arg);
      }
}

template <typename T>
inline T shuffle(T value, int source_lane_of_mine) {
  static_assert(sizeof(T) <= sizeof(uint64_t), "shuffle of a value wider than 64 bits");
  int t = block.current;
  int warp = t / 32;
  int lane = t % 32;
  uint64_t* buffer = &block.exchange[(2 * warp + block.fibers[t].generation % 2) * 32];
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  buffer[lane] = bits;
  wait(State::WarpBarrier);
  int n = (int) block.fibers.size();
  int source = source_lane_of_mine;
  if (source < 0 || source >= 32 || warp * 32 + source >= n) source = lane;
  T result;
  bits = buffer[source];
  std::memcpy(&result, &bits, sizeof(T));
  return result;
}

}  // namespace emu

inline void __syncthreads() { emu::wait(emu::State::BlockBarrier); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::wait(emu::State::WarpBarrier); }

template <typename T>
inline T __shfl_xor_sync(unsigned, T value, int lane_mask, int = 32) {
  return emu::shuffle(value, (int) (threadIdx.x % 32) ^ lane_mask);
}
