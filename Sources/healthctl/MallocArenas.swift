import Foundation

#if os(Linux)
import CMalloc
#endif

/// glibc gives threads that allocate at once malloc arenas of their own, up to eight per core,
/// and memory freed in one arena serves no other. A report's workers and its per-integration
/// threads then raise the peak well above what the heap holds: about 15 MB of a 90-day report's
/// 145 MB. One arena per core, at most four, keeps the peak near the heap's at no measured cost in
/// time. A `MALLOC_ARENA_MAX` in the environment is left to glibc.
enum MallocArenas {
    static func limit() {
        #if os(Linux)
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = mallopt(M_ARENA_MAX, Int32(min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4)))
        #endif
    }
}
