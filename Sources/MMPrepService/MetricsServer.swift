#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The latest metrics text, handed from the work thread to the HTTP thread.
final class MetricsSnapshot: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func set(_ t: String) { lock.lock(); text = t; lock.unlock() }
    func get() -> String { lock.lock(); defer { lock.unlock() }; return text }
}

/// Serves `GET /metrics` (Prometheus text format) on 127.0.0.1:PORT, one short-lived
/// connection at a time, from a thread of its own. Loopback only.
final class MetricsServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    let snapshot: MetricsSnapshot

    init(port: UInt16, snapshot: MetricsSnapshot) throws(ServiceError) {
        self.port = port
        self.snapshot = snapshot
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServiceError("metrics: socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0, listen(fd, 16) == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw ServiceError("metrics: cannot listen on 127.0.0.1:\(port): \(e)")
        }
    }

    deinit { close(fd) }

    func start() {
        let t = Thread { [self] in serve() }
        t.name = "mmprep-metrics"
        t.start()
    }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 { if errno == EINTR { continue }; return }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            let request = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
            let line = request.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
            let response: String
            if line.hasPrefix("GET /metrics ") || line == "GET /metrics" {
                let body = snapshot.get()
                response = "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
            } else {
                response = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
            }
            let bytes = Array(response.utf8)
            _ = bytes.withUnsafeBytes { send(c, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
            close(c)
        }
    }
}
