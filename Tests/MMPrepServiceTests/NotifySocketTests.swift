#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MMPrepService
import Testing

struct NotifySocketTests {
    /// A real datagram socket receives what the service sends, in order.
    @Test func messagesArriveInOrder() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(getpid()).sock").path
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd); unlink(path) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in for (i, b) in path.utf8.enumerated() { raw[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(rc == 0)
        let notify = try #require(NotifySocket(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000"]))
        #expect(notify.watchdogInterval == .seconds(1))
        for m in ["READY=1", "STATUS=queued 0", "WATCHDOG=1", "STOPPING=1"] { #expect(notify.send(m)) }
        var got: [String] = []
        var buffer = [UInt8](repeating: 0, count: 256)
        for _ in 0..<4 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            got.append(String(decoding: buffer[0..<max(0, n)], as: UTF8.self))
        }
        #expect(got == ["READY=1", "STATUS=queued 0", "WATCHDOG=1", "STOPPING=1"])
    }

    @Test func absentWithoutSystemd() {
        #expect(NotifySocket(environment: [:]) == nil)
        #expect(NotifySocket(environment: ["NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"])?.watchdogInterval == nil)
    }
}
