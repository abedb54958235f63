import Foundation

/// Switches for tests that need a real crash. Compiled into debug builds only.
enum DebugSwitches {
    /// `MMPREP_DEBUG_ABORT_DECODING=TEXT`: abort(3) when about to decode a file whose path
    /// contains TEXT, as a decoder crash would (crash-loop protection is tested with it).
    static func abortIfRequested(decoding path: String) {
        #if DEBUG
        if let needle = ProcessInfo.processInfo.environment["MMPREP_DEBUG_ABORT_DECODING"], !needle.isEmpty,
           path.contains(needle) {
            abort()
        }
        #endif
    }
}
