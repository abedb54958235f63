#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The systemd notify protocol, spoken directly over `$NOTIFY_SOCKET` (no libsystemd):
/// datagrams such as `READY=1`, `STATUS=...`, `WATCHDOG=1`, `STOPPING=1`.
public struct NotifySocket: Sendable {
    public let path: String
    /// Half the watchdog interval systemd asked for (`WATCHDOG_USEC`), if any.
    public let watchdogInterval: Duration?

    /// nil when the process is not run by systemd with notify access.
    public init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let p = environment["NOTIFY_SOCKET"], !p.isEmpty else { return nil }
        path = p
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0,
           environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true {
            watchdogInterval = .microseconds(Int64(usec / 2))
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends one message; returns false if the socket could not be reached.
    @discardableResult
    public func send(_ message: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        // A leading '@' means the abstract namespace.
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                payload.withUnsafeBytes { sendto(fd, $0.baseAddress, payload.count, 0, sa, length) }
            }
        }
        return sent == payload.count
    }
}
