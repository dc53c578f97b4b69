import Foundation
import Synchronization

/// A job that shares the server (`database.busy_share` below 1) works at a lower CPU priority,
/// nice 10. Where healthctl runs on the machine of the database and the application, their
/// processes then get the cores first when everyone wants them; with the cores free, the job runs
/// as fast as before. This covers healthctl's own work (decoding, compressing, rendering); its
/// queries run in the server's processes, which the pacing (`LoadGovernor`) governs.
///
/// Linux keeps a nice value per thread. Threads inherit it from the thread that starts them, but
/// the pool behind `DispatchQueue.concurrentPerform` sets its threads' own from their quality of
/// service, so work run there calls `adopt()` first.
public enum ThreadPriority {
    public static let sharingNiceness: Int32 = 10
    /// The nice value threads adopt; `Int32.min` until a job lowers it.
    private static let lowered = Atomic<Int32>(Int32.min)

    /// Lowers the calling thread, the threads it starts and those that adopt, when `target`'s
    /// job shares the server. Called before the job starts any thread.
    public static func lower(forSharing target: ConnectionTarget) {
        guard target.busyShare < 1 else { return }
        lowered.store(sharingNiceness, ordering: .relaxed)
        adopt()
    }

    /// Brings the calling thread down to the lowered priority, if a job lowered it. Never raises
    /// one: a job started under `nice -n 19` stays there.
    static func adopt() {
        let niceness = lowered.load(ordering: .relaxed)
        guard niceness != Int32.min else { return }
        #if canImport(Glibc)
        let thread = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let current = getpriority(thread, 0)
        guard errno == 0, current < niceness else { return }
        _ = setpriority(thread, 0, niceness)
        #endif
    }
}
